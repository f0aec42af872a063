// Quiz page: numbers each autosave (the server refuses stale ones), shows the server's answer, and counts down
// to the server's deadline. The timer is only a display: the server decides when time is up.
(function () {
  const form = document.getElementById("quiz-form");
  if (!form) return;
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
  form.addEventListener("submit", (event) => {
    const button = form.querySelector("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    next();
  });

  const timer = document.getElementById("quiz-timer");
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
})();
