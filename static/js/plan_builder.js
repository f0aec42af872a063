// The plan builder: drag and drop (SortableJS) on top of the htmx controls, which work without it.
(function () {
  "use strict";

  function post(url, source, values) {
    window.htmx.ajax("POST", url, { source: source, values: values, swap: "none" });
  }

  function initSortable(root) {
    if (!window.Sortable || !window.htmx) return;
    root.querySelectorAll(".day-list[data-reorder-url]").forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: "sessions",
        handle: ".drag-handle",
        draggable: ".session-card",
        animation: 150,
        forceFallback: true,
        onEnd: function (evt) {
          var item = evt.item;
          if (evt.to !== evt.from) {
            post(item.dataset.moveUrl, item, { day: evt.to.dataset.day });
          } else if (evt.oldIndex !== evt.newIndex) {
            var order = Array.prototype.map.call(evt.to.querySelectorAll(".session-card"), function (li) {
              return li.dataset.id;
            });
            post(evt.to.dataset.reorderUrl, evt.to, { order: order.join(",") });
          }
        },
      });
    });
  }

  document.addEventListener("click", function (evt) {
    var close = evt.target.closest("[data-editor-close]");
    if (close) {
      var editor = document.getElementById("session-editor");
      if (editor) editor.innerHTML = "";
    }
  });

  document.addEventListener("submit", function (evt) {
    var form = evt.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) evt.preventDefault();
  });

  // Keyboard users keep their place: after a move the grid is redrawn, so focus the moved session again.
  var focusCardId = null;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var card = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest(".session-card");
    focusCardId = card && card.contains(document.activeElement) ? card.dataset.id : null;
  });

  initSortable(document);
  document.addEventListener("htmx:afterSettle", function () {
    initSortable(document);
    if (focusCardId) {
      var card = document.querySelector('.session-card[data-id="' + focusCardId + '"]');
      focusCardId = null;
      if (card) {
        card.setAttribute("tabindex", "-1");
        card.focus();
      }
    }
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    // Bring the session form into view when it opens, for keyboard and screen-reader users too.
    if (evt.detail.target && evt.detail.target.id === "session-editor") {
      var first = evt.detail.target.querySelector("input, select, textarea");
      if (first) first.focus();
    }
  });
})();
