// Progress bars under the Content-Security-Policy: templates write `data-progress="N"` (0-100) on a Bootstrap
// `.progress-bar` instead of an inline `style="width: N%"` (inline styles are refused). Setting the width through
// the CSSOM is allowed. Re-applied to content htmx swaps in (the enrollment job bar polls with outerHTML swaps).
(function () {
  function apply(root) {
    var bars = root.querySelectorAll ? root.querySelectorAll("[data-progress]") : [];
    if (root.matches && root.matches("[data-progress]")) { bars = [root].concat(Array.prototype.slice.call(bars)); }
    Array.prototype.forEach.call(bars, function (bar) {
      var n = Math.max(0, Math.min(100, parseFloat(bar.dataset.progress) || 0));
      bar.style.width = n + "%";
    });
  }
  apply(document);
  document.addEventListener("htmx:load", function (event) { apply(event.detail.elt || event.target); });
})();
