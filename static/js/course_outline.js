// Course outline: drag modules and lessons (SortableJS); the up/down buttons work without this script.
(function () {
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(payload),
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) { window.location.reload(); }
    });
  }
  function ids(list) {
    return Array.from(list.children).map(function (el) { return el.dataset.id; }).filter(Boolean);
  }
  function init() {
    var outline = document.getElementById("outline");
    if (!outline || typeof Sortable === "undefined") { return; }
    var url = outline.dataset.reorderUrl;
    var modules = document.getElementById("module-list");
    Sortable.create(modules, {
      handle: ".drag-handle", draggable: ".outline-module", animation: 150,
      onEnd: function () { post(url, { modules: ids(modules) }); },
    });
    outline.querySelectorAll(".item-list").forEach(function (list) {
      Sortable.create(list, {
        group: "items", handle: ".drag-handle", animation: 150,
        onEnd: function (event) {
          post(url, { module: event.to.dataset.module, items: ids(event.to) });
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  document.body.addEventListener("htmx:afterSettle", init);
})();
