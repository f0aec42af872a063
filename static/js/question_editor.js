// The question editor: shows only the fields of the chosen type (blocks marked data-qtypes="single multiple")
// and a live preview of the question as a learner sees it. Without JavaScript every block stays visible under
// its heading, and the server ignores the fields of the other types.
(function () {
  var typeSelect = document.getElementById("id_qtype");
  if (!typeSelect) { return; }
  var root = typeSelect.closest("form") || document;
  var preview = document.getElementById("question-preview");
  var body = preview ? preview.querySelector("[data-preview-body]") : null;
  var LETTERS = ["a", "b", "c", "d", "e", "f"];

  function value(name) {
    var el = root.querySelector("[name='" + name + "']");
    return el ? el.value.trim() : "";
  }

  function toggle() {
    var qtype = typeSelect.value;
    root.querySelectorAll("[data-qtypes]").forEach(function (block) {
      block.hidden = block.dataset.qtypes.split(" ").indexOf(qtype) < 0;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function stemText() {
    // The stem may hold the HTML a rich-text editor writes: the preview shows its text, never its markup.
    var parsed = new DOMParser().parseFromString(value("stem"), "text/html");
    return (parsed.body.textContent || "").trim();
  }

  function choice(type, name, label, index) {
    var wrap = el("div", "form-check");
    var input = el("input", "form-check-input");
    input.type = type;
    input.name = "preview-" + name;
    input.id = "preview-" + name + "-" + index;
    input.setAttribute("form", "question-preview-only"); // no such form: the preview's inputs are never sent
    var text = el("label", "form-check-label", label);
    text.htmlFor = input.id;
    wrap.append(input, text);
    return wrap;
  }

  function render() {
    if (!body) { return; }
    var qtype = typeSelect.value;
    var d = preview.dataset;
    body.replaceChildren();
    var title = value("title");
    if (title) { body.append(el("p", "fw-semibold mb-1", title)); }
    var stem = stemText();
    body.append(el("p", stem ? "text-break" : "text-muted fst-italic", stem || d.empty));
    if (qtype === "single" || qtype === "multiple") {
      body.append(el("p", "small text-muted mb-1", qtype === "multiple" ? d.many : d.one));
      LETTERS.forEach(function (letter, index) {
        var text = value("option_" + letter);
        if (text) {
          body.append(choice(qtype === "multiple" ? "checkbox" : "radio", "choice", letter.toUpperCase() + ". " + text, index));
        }
      });
    } else if (qtype === "truefalse") {
      body.append(choice("radio", "tf", d["true"], 0), choice("radio", "tf", d["false"], 1));
    } else {
      var label = el("label", "form-label small text-muted", d.answer);
      var field = qtype === "essay" ? el("textarea", "form-control") : el("input", "form-control");
      field.id = "preview-answer";
      field.setAttribute("form", "question-preview-only");
      if (qtype === "essay") { field.rows = 4; }
      if (qtype === "numeric") { field.inputMode = "decimal"; }
      label.htmlFor = field.id;
      body.append(label, field);
    }
  }

  typeSelect.addEventListener("change", function () { toggle(); render(); });
  root.addEventListener("input", function (event) {
    if (!preview || !preview.contains(event.target)) { render(); }
  });
  toggle();
  if (preview) {
    preview.hidden = false;
    render();
  }
})();
