// Rich-text fields (lms.widgets.RichTextarea): the Quill editor over a plain textarea, which stays the form field.
// Without this script the textarea is shown as it is. With it, the textarea is hidden and gets the editor's HTML on
// every change; the server sanitises whatever arrives. CSP-safe: no inline styles or scripts (Quill sets positions
// through the CSSOM only), the toolbar's buttons and tooltips come from the widget's template (translated there).
// Each widget includes this file; it runs once, and again on content htmx swaps in.
(function () {
  "use strict";
  if (window.lmsRichText) { return; }

  // The formats the toolbar offers: what courses/sanitize.py keeps. Pasted colours, fonts and sizes are dropped.
  var FORMATS = ["bold", "italic", "underline", "strike", "header", "list", "blockquote", "link", "image"];
  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
  // Same test as the rich_text filter (courses/templatetags/course_tags.py): a value without a tag is plain text.
  var TAG = /<\/?[a-zA-Z][^>]*>/;
  var loading = null;

  function loadQuill(src) {
    if (window.Quill) { return Promise.resolve(window.Quill); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.addEventListener("load", function () { resolve(window.Quill); });
        script.addEventListener("error", reject);
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function decode(text) {
    // Stored plain text went through the sanitiser, so "<" arrives as "&lt;": show the character, not the entity.
    return new DOMParser().parseFromString("<!doctype html><body>" + text, "text/html").body.textContent || "";
  }

  function csrfToken(box) {
    var form = box.closest("form");
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function htmlOf(quill) {
    if (quill.getLength() <= 1 && !quill.root.querySelector("img")) { return ""; }
    // Quill 2.0.3's semantic HTML writes every space as &nbsp;, which would stop lines wrapping on the page.
    return quill.getSemanticHTML().replace(/&nbsp;/g, " ");
  }

  function init(box, Quill) {
    var textarea = box.querySelector("textarea");
    var toolbar = box.querySelector(".richtext-toolbar");
    var holder = box.querySelector(".richtext-editor");
    var status = box.querySelector(".richtext-status");
    var labels = box.dataset;

    function say(message, isError) {
      status.textContent = message || "";
      status.classList.toggle("text-danger", !!isError);
      status.classList.toggle("text-muted", !isError);
    }

    toolbar.hidden = false;
    holder.hidden = false;
    var quill = new Quill(holder, {
      theme: "snow",
      formats: FORMATS,
      placeholder: textarea.getAttribute("placeholder") || "",
      modules: {
        toolbar: { container: toolbar, handlers: { image: pickImage } },
        uploader: { mimetypes: IMAGE_TYPES, handler: function (range, files) { uploadAll(range, files); } },
      },
    });

    var value = textarea.value.trim();
    if (value) {
      if (TAG.test(value)) {
        quill.setContents(quill.clipboard.convert({ html: value }), "silent");
      } else {
        quill.setText(decode(value), "silent");
      }
      quill.history.clear();
    }
    // The hidden textarea cannot show the browser's "fill in this field"; the server says it instead.
    textarea.required = false;
    textarea.classList.add("d-none");
    textarea.setAttribute("aria-hidden", "true");
    quill.root.setAttribute("aria-label", labels.labelEditor || "");
    quill.root.setAttribute("role", "textbox");
    quill.root.setAttribute("aria-multiline", "true");
    if (textarea.getAttribute("aria-describedby")) {
      quill.root.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    }
    if (textarea.id) {
      document.querySelectorAll('label[for="' + textarea.id + '"]').forEach(function (label) {
        label.addEventListener("click", function () { quill.focus(); });
        if (label.id) { quill.root.setAttribute("aria-labelledby", label.id); }
      });
    }
    quill.on("text-change", function () {
      textarea.value = htmlOf(quill);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    });

    // The link tooltip's words are CSS content in Quill's theme: ours come from data attributes (richtext.css).
    var tip = quill.theme.tooltip && quill.theme.tooltip.root;
    if (tip) {
      tip.dataset.visit = labels.labelVisit || "";
      tip.dataset.enter = labels.labelEnterLink || "";
      var action = tip.querySelector("a.ql-action");
      var remove = tip.querySelector("a.ql-remove");
      var input = tip.querySelector("input[type=text]");
      if (action) { action.dataset.edit = labels.labelEdit || ""; action.dataset.save = labels.labelSave || ""; }
      if (remove) { remove.dataset.remove = labels.labelRemove || ""; }
      if (input) { input.dataset.link = "https://"; }
    }

    function upload(file) {
      var body = new FormData();
      body.append("image", file, file.name);
      return fetch(labels.uploadUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(box), "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (response.ok && data && data.url) { return data.url; }
          throw new Error((data && data.error && data.error.message) || labels.labelUploadFailed);
        });
      });
    }

    function uploadAll(range, files) {
      var index = range ? range.index : quill.getLength();
      say(labels.labelUploading, false);
      files.reduce(function (chain, file) {
        return chain.then(function () {
          return upload(file).then(function (url) {
            quill.insertEmbed(index, "image", url, "user");
            index += 1;
            quill.setSelection(index, 0, "silent");
          });
        });
      }, Promise.resolve()).then(function () {
        say(labels.labelUploaded, false);
      }).catch(function (error) {
        say(error && error.message ? error.message : labels.labelUploadFailed, true);
      });
    }

    function pickImage() {
      var input = document.createElement("input");
      input.type = "file";
      input.accept = IMAGE_TYPES.join(",");
      input.classList.add("d-none");
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.remove();
        if (files.length) { uploadAll(quill.getSelection(true), files); }
      });
      box.appendChild(input);
      input.click();
    }

    box.richtext = quill;
    box.dataset.richtextReady = "1";
  }

  function scan(root) {
    var boxes = [];
    if (root.matches && root.matches("[data-richtext]")) { boxes.push(root); }
    if (root.querySelectorAll) { boxes = boxes.concat(Array.prototype.slice.call(root.querySelectorAll("[data-richtext]"))); }
    boxes = boxes.filter(function (box) { return !box.dataset.richtextReady; });
    if (!boxes.length) { return; }
    boxes.forEach(function (box) { box.dataset.richtextReady = "0"; });
    loadQuill(boxes[0].dataset.quillSrc).then(function (Quill) {
      boxes.forEach(function (box) { init(box, Quill); });
    }).catch(function () {
      // Quill did not load: the textareas stay as they are, and still work.
      boxes.forEach(function (box) { delete box.dataset.richtextReady; });
    });
  }

  window.lmsRichText = { scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt || event.target); });
})();
