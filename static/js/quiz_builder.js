// Quiz builder: drag the chosen questions (SortableJS), move and remove them in place, add from the picker (htmx
// fetches the row). Without this script the arrow, remove and add buttons post the form and the page comes back
// with the list changed, nothing saved.
(function () {
  function list() { return document.getElementById("chosen-list"); }
  function refreshEmpty() {
    var empty = document.getElementById("chosen-empty");
    var chosen = list();
    if (empty && chosen) { empty.classList.toggle("d-none", chosen.children.length > 0); }
  }
  function dedupe() {
    var seen = {};
    Array.from(list().children).forEach(function (row) {
      if (seen[row.dataset.id]) { row.remove(); } else { seen[row.dataset.id] = true; }
    });
    refreshEmpty();
  }
  function init() {
    var chosen = list();
    if (!chosen) { return; }
    if (typeof Sortable !== "undefined" && !chosen.dataset.sortable) {
      Sortable.create(chosen, { handle: ".drag-handle", animation: 150 });
      chosen.dataset.sortable = "1";
    }
    chosen.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      var row = button.closest(".chosen-question");
      if (button.classList.contains("move-up") && row.previousElementSibling) {
        event.preventDefault();
        row.parentNode.insertBefore(row, row.previousElementSibling);
        button.focus();
      } else if (button.classList.contains("move-down") && row.nextElementSibling) {
        event.preventDefault();
        row.parentNode.insertBefore(row.nextElementSibling, row);
        button.focus();
      } else if (button.classList.contains("remove-question")) {
        event.preventDefault();
        row.remove();
        refreshEmpty();
      } else if (button.classList.contains("move-up") || button.classList.contains("move-down")) {
        event.preventDefault();  // already first or last
      }
    });
    var filters = document.getElementById("picker-filters");
    if (filters) {
      filters.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
    }
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === list()) { dedupe(); }
    });
  }
  document.addEventListener("DOMContentLoaded", init);
})();
