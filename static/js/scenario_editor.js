// Scenario editor: after "Check the script", bring its result into view where the trainer looks (the summary at the
// top of the form, or the preview under the JSON editor) instead of leaving it off-screen.
(function () {
  let checking = false;
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[name='editor_action'], [data-testid='check-spec']");
    checking = Boolean(button && (button.value === "check" || button.dataset.testid === "check-spec"));
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (!checking) return;
    checking = false;
    const summary = document.getElementById("editor-summary");
    const preview = document.getElementById("spec-preview");
    const target = summary && summary.textContent.trim() ? summary : preview;
    if (target) {
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    }
  });
})();
