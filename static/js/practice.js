// Practice conversation: clear the box after a reply is added, keep the latest turn in view, Ctrl+Enter sends.
(function () {
  const form = document.getElementById("reply-form");
  if (!form) return;
  const box = document.getElementById("reply-text");
  const transcript = document.getElementById("transcript");
  const scrollDown = () => { transcript.scrollTop = transcript.scrollHeight; };
  scrollDown();
  form.addEventListener("htmx:afterRequest", (event) => {
    const failed = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Practice-Error");
    if (event.detail.successful && !failed) {
      box.value = "";
      document.getElementById("reply-error").innerHTML = "";
      scrollDown();
    }
    box.focus();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
