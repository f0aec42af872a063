// Show only the fields that matter for the chosen option (the enroll form's "who", the lesson form's "kind").
// Without JavaScript every field stays visible and the server checks the right ones.
(function () {
  var groups = {
    who: { person: ["person"], team: ["team"], csv: ["csv_file"] },
    kind: {
      text: ["body"],
      video: ["video_upload", "video_url", "duration_seconds"],
      file: ["file_upload"],
      link: ["url"],
    },
  };
  function wrapper(form, name) {
    var input = form.querySelector("[name='" + name + "']");
    return input ? input.closest(".mb-3") : null;
  }
  function current(form, control) {
    var checked = form.querySelector("[name='" + control + "']:checked");
    if (checked) { return checked.value; }
    var select = form.querySelector("select[name='" + control + "']");
    return select ? select.value : null;
  }
  function apply(form, control) {
    var value = current(form, control);
    var options = groups[control];
    Object.keys(options).forEach(function (key) {
      options[key].forEach(function (name) {
        var el = wrapper(form, name);
        if (el) { el.hidden = key !== value; }
      });
    });
  }
  document.querySelectorAll("form[data-toggle-fields]").forEach(function (form) {
    var control = form.dataset.toggleFields;
    form.querySelectorAll("[name='" + control + "']").forEach(function (input) {
      input.addEventListener("change", function () { apply(form, control); });
    });
    apply(form, control);
  });
})();
