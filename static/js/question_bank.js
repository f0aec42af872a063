// The question bank's action bar: shows the input the chosen action needs, a "choose all" box and the count
// chosen. Without JavaScript every input shows and the server reads the one the action needs.
(function () {
  var form = document.querySelector("form[data-question-bulk]");
  if (!form) { return; }
  var action = form.querySelector("[name='action']");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name='ids'][form='bulk-form']:not([disabled])"));
  var all = document.querySelector("[data-bulk-all]");
  var count = form.querySelector("[data-bulk-count]");

  function toggle() {
    form.querySelectorAll("[data-bulk-for]").forEach(function (block) {
      block.hidden = block.dataset.bulkFor.split(" ").indexOf(action.value) < 0;
    });
  }
  function counted() {
    var chosen = boxes.filter(function (box) { return box.checked; }).length;
    count.textContent = chosen ? "(" + chosen + ")" : "";
    if (all) {
      all.checked = chosen > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  }
  action.addEventListener("change", toggle);
  boxes.forEach(function (box) { box.addEventListener("change", counted); });
  if (all && boxes.length) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      counted();
    });
  }
  toggle();
  counted();
})();
