// Quiz page: numbers each autosave (the server refuses stale ones), shows the server's answer, and counts down
// to the server's deadline. The timer is only a display: the server decides when time is up.
// The summary before the final submit shows the same countdown.
(function () {
  const form = document.getElementById("quiz-form");
  if (form) autosave(form);
  countdown(document.getElementById("quiz-timer"));

function autosave(form) {
  const seqInput = document.getElementById("quiz-seq");
  // The last number used; every save and the final submit carry a newer one.
  let seq = (parseInt(seqInput.value, 10) || 1) - 1;
  const next = () => {
    seq += 1;
    seqInput.value = String(seq);
    return String(seq);
  };

  form.addEventListener("htmx:configRequest", (event) => {
    event.detail.parameters.seq = next();
  });
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // The form goes to the summary page (answers and marks saved there), which has the final submit.
  form.addEventListener("submit", () => {
    next();
  });
}

function countdown(timer) {
  if (timer) {
    const deadline = Date.parse(timer.dataset.deadline);
    const tick = () => {
      const left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      timer.textContent = `${minutes}:${seconds}`;
      if (left === 0) {
        window.clearInterval(handle);
        window.location.assign(timer.dataset.reloadUrl);
      }
    };
    const handle = window.setInterval(tick, 1000);
    tick();
  }
}
})();
