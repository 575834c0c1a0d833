// The GOV.UK timeout warning: two minutes before the session would end for want of
// activity, a dialog offers "Stay signed in". At the end, the page goes to the sign-in
// page so that nothing about a case stays on screen. Another tab's activity counts:
// the server says how long is really left before anything is shown or done.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-session-idle-seconds"), 10);
  var statusUrl = body.getAttribute("data-session-status-url");
  var signInUrl = body.getAttribute("data-sign-in-url");
  var dialog = document.getElementById("session-timeout-warning");
  if (!idle || !statusUrl || !dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var WARN_BEFORE = Math.min(120, Math.floor(idle / 2));
  var countdown = dialog.querySelector("[data-session-countdown]");
  var stay = dialog.querySelector("[data-session-stay]");
  var tokenInput = dialog.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var ticking = null;
  var endsAt = 0;

  function words(seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function schedule(secondsLeft) {
    clearTimeout(timer);
    endsAt = Date.now() + secondsLeft * 1000;
    timer = setTimeout(check, Math.max(0, secondsLeft - WARN_BEFORE) * 1000);
  }

  function signedOut() {
    window.location.assign(signInUrl);
  }

  function ask(method) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method === "POST" && tokenInput) {
      options.headers["X-CSRFToken"] = tokenInput.value;
    }
    return fetch(statusUrl, options).then(function (response) {
      if (!response.ok) {
        return { seconds_left: 0 };
      }
      return response.json();
    });
  }

  function tick() {
    var left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
    countdown.textContent = words(left);
    if (left <= 0) {
      // Only the server says the session has ended: leaving a moment early would count
      // as activity and keep it alive. Ask again until it has.
      clearInterval(ticking);
      setTimeout(check, 1500);
    }
  }

  function check() {
    ask("GET").then(function (status) {
      var left = status.seconds_left;
      if (left <= 0) {
        signedOut();
      } else if (left > WARN_BEFORE + 5) {
        schedule(left);
      } else {
        endsAt = Date.now() + left * 1000;
        countdown.textContent = words(left);
        if (!dialog.open) {
          dialog.showModal();
        }
        clearInterval(ticking);
        ticking = setInterval(tick, 1000);
      }
    }).catch(function () {
      schedule(WARN_BEFORE + 10);
    });
  }

  stay.addEventListener("click", function () {
    ask("POST").then(function (status) {
      clearInterval(ticking);
      dialog.close();
      if (status.seconds_left > 0) {
        schedule(status.seconds_left);
      } else {
        signedOut();
      }
    });
  });

  schedule(idle);
})();
