// Course player: a video lesson reports watching with a heartbeat every few seconds while it plays.
// The server credits real elapsed time only, so seeking ahead earns nothing; completion needs most of the video's
// length as the server knows it.
(function () {
  var video = document.querySelector("video[data-heartbeat-url]");
  if (!video || !video.dataset.heartbeatUrl) { return; }
  var url = video.dataset.heartbeatUrl;
  var every = (parseInt(video.dataset.interval, 10) || 10) * 1000;
  var timer = null;
  var status = document.getElementById("video-status");
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function send(event) {
    // The video's length is the server's (the trainer's, or read from the file): the browser's is not sent.
    var body = { position: Math.floor(video.currentTime || 0), event: event };
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) { return; }
      if (data.completed) {
        stop();
        window.location.reload();
      } else if (status) {
        status.textContent = status.textContent.replace(/\d+/, String(data.seconds_watched));
      }
    }).catch(function () { /* offline: the next heartbeat catches up within the credit cap */ });
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } }
  video.addEventListener("play", function () {
    send("start");
    stop();
    timer = setInterval(function () { send("tick"); }, every);
  });
  video.addEventListener("pause", function () { stop(); send("pause"); });
  video.addEventListener("ended", function () { stop(); send("ended"); });
})();
