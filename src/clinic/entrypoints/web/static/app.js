// Chairside: the little JavaScript the pages need. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // htmx requests carry the CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // "Show password": one field, the typed text visible on request.
    document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-toggle-password"));
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.setAttribute("aria-pressed", show ? "true" : "false");
        button.textContent = button.getAttribute(show ? "data-label-hide" : "data-label-show");
        button.setAttribute("aria-label", button.getAttribute(show ? "data-aria-hide" : "data-aria-show"));
      });
    });

    // "Go back and fix it": the previous page, where the browser kept what was typed.
    document.querySelectorAll("[data-history-back]").forEach(function (button) {
      button.addEventListener("click", function () { window.history.back(); });
    });

    // The clinic's time zone, as the browser knows it.
    document.querySelectorAll("[data-timezone]").forEach(function (input) {
      if (!input.value) {
        try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep default */ }
      }
    });

    // The Today list opens at the first visit not over yet (the morning's are above it).
    var nextVisit = document.querySelector("[data-next-visit]");
    if (nextVisit && nextVisit.previousElementSibling && !location.hash) {
      nextVisit.scrollIntoView({block: "start"});
    }

    // After a failed submit, take the person to the first field to fix.
    var firstError = document.querySelector('[aria-invalid="true"]');
    var summary = document.querySelector("[data-error-summary]");
    if (firstError) { firstError.focus(); firstError.scrollIntoView({ block: "center" }); }
    else if (summary) { summary.focus(); }
  });
})();

// The calendar's dialog: htmx fills it, this opens and closes it.
(function () {
  "use strict";
  function dialog() { return document.getElementById("dialog"); }

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = dialog();
    if (box && event.detail.target.id === "booking-outcome") {
      // A refused time: the form stays as typed; marks of an earlier refusal go.
      var form = event.detail.target.closest("form");
      form.querySelectorAll(".field--error").forEach(function (f) { f.classList.remove("field--error"); });
      form.querySelectorAll('[aria-invalid="true"]').forEach(function (f) { f.removeAttribute("aria-invalid"); });
      form.querySelectorAll(".field__error, [data-error-summary]").forEach(function (e) { e.remove(); });
      var act = event.detail.target.querySelector("[role=alert] button") || form.querySelector("#booking-submit");
      if (act) { act.focus(); }
      return;
    }
    if (box && event.detail.target.id === "patient-options") {
      // Nobody found by what was typed: it becomes the new patient's name (or phone).
      var missing = event.detail.target.querySelector("[data-no-match]");
      var details = event.detail.target.closest("fieldset").querySelector(".new-patient");
      if (!missing || !details) { return; }
      var typed = missing.getAttribute("data-no-match");
      var isPhone = /^[+\d][\d\s()-]*$/.test(typed);
      var target = details.querySelector(isPhone ? "[name=new_phone]" : "[name=new_name]");
      if (target && (!target.value || target.getAttribute("data-carried") === "1")) {
        target.value = typed;
        target.setAttribute("data-carried", "1");
      }
      details.open = true;
      return;
    }
    if (!box || event.detail.target.id !== "dialog-body") { return; }
    var booked = box.querySelector("[data-booked]");
    if (booked) {  // done: say so on the page and get out of the way
      var status = document.getElementById("cal-status");
      if (status) {
        status.textContent = booked.textContent.trim();
        status.hidden = false;
        clearTimeout(status.hideTimer);
        status.hideTimer = setTimeout(function () { status.hidden = true; }, 4000);
      }
      if (box.open) { box.close(); }
      return;
    }
    if (!box.open) { box.showModal(); }
    var first = box.querySelector('[aria-invalid="true"], [data-error-summary], [role="alert"] button, input:not([type=hidden]):not([type=search]), select');
    if (first) { first.focus(); }
    updateTotal(box.querySelector("[data-booking-form]"));
  });

  document.addEventListener("click", function (event) {
    var box = dialog();
    if (!box) { return; }
    if (event.target === box) { box.close(); return; }  // a tap on the backdrop
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && box.contains(closer)) { box.close(); return; }
    var setStart = event.target.closest("[data-set-start]");
    if (setStart) {
      var parts = setStart.getAttribute("data-set-start").split("T");
      var form = setStart.closest("form");
      form.querySelector("[name=date]").value = parts[0];
      form.querySelector("[name=time]").value = parts[1];
      setStart.closest("[role=alert]").remove();
      updateTotal(form);
    }
  });

  // A tap inside an hour cell books at the tapped minute; the server rounds it to the
  // clinic's step and moves it past a visit that holds it. A keyboard press books the hour.
  var lastTap = null;
  // The minute under the pointer in an hour cell, down to `step` minutes.
  function minuteAt(cell, event, step) {
    var rect = cell.getBoundingClientRect();
    var minute = Math.min(59, Math.max(0, (event.clientY - rect.top) / rect.height * 60));
    return Math.floor(minute / step) * step;
  }
  document.addEventListener("pointerdown", function (event) {
    var cell = event.target.closest && event.target.closest(".cal__cell");
    lastTap = cell ? {cell: cell, minute: minuteAt(cell, event, 5)} : null;
  });
  // On a desktop the hovered cell says where a click books: "+ 10:30" (the grid's data-step
  // is the clinic's step, the one the server rounds to).
  document.addEventListener("pointermove", function (event) {
    if (event.pointerType !== "mouse") { return; }
    var cell = event.target.closest && event.target.closest(".cal__cell");
    var plus = cell && cell.querySelector(".cal__plus");
    var grid = cell && cell.closest("[data-step]");
    if (!plus || !grid) { return; }
    var minute = minuteAt(cell, event, parseInt(grid.getAttribute("data-step"), 10));
    var hour = cell.getAttribute("data-start").slice(11, 13);
    plus.textContent = "+ " + hour + ":" + (minute < 10 ? "0" : "") + minute;
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (!lastTap || lastTap.cell !== event.detail.elt) { return; }
    var mm = (lastTap.minute < 10 ? "0" : "") + lastTap.minute;
    event.detail.path = event.detail.path.replace(/(start=\d{4}-\d{2}-\d{2}T\d{2})%3A00/, "$1%3A" + mm);
    lastTap = null;
  });

  // The calendar's date and room/doctor pickers apply at once: no "Show" button to find.
  function hideApplyButtons() {
    document.querySelectorAll("[data-apply-at-once] [data-auto-hidden]").forEach(function (b) { b.hidden = true; });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", hideApplyButtons); }
  else { hideApplyButtons(); }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("[data-apply-at-once]");
    if (!form || !event.target.value) { return; }
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });

  // "Show cancelled": remembered on this device (a toggle in the toolbar, one under a phone's grid).
  function applyCancelled() {
    var grid = document.getElementById("calendar-grid");
    if (!grid) { return; }
    var on = false;
    try { on = localStorage.getItem("chairside.showCancelled") === "1"; } catch (e) { /* private mode */ }
    document.querySelectorAll("[data-show-cancelled]").forEach(function (toggle) { toggle.checked = on; });
    grid.classList.toggle("show-cancelled", on);
  }

  // The date title: a click opens the month picker where the browser can (a tap on a phone
  // opens it anyway); the picked day applies at once.
  document.addEventListener("click", function (event) {
    var input = event.target.closest && event.target.closest("[data-picker]");
    if (!input || !input.showPicker) { return; }
    try { input.showPicker(); } catch (e) { /* not allowed here: the input still takes typing */ }
  });

  // A swipe across the grid of one or three days goes a day back or ahead (the day of all
  // rooms scrolls sideways through the rooms instead).
  var swipe = null;
  document.addEventListener("touchstart", function (event) {
    var grid = event.target.closest && event.target.closest("#calendar-grid");
    swipe = grid && !grid.querySelector(".cal--day") && event.touches.length === 1
      ? {x: event.touches[0].clientX, y: event.touches[0].clientY} : null;
  }, {passive: true});
  document.addEventListener("touchend", function (event) {
    if (!swipe || !event.changedTouches.length) { return; }
    var dx = event.changedTouches[0].clientX - swipe.x, dy = event.changedTouches[0].clientY - swipe.y;
    swipe = null;
    if (Math.abs(dx) < 60 || Math.abs(dx) < 2 * Math.abs(dy)) { return; }
    var link = document.querySelector(dx < 0 ? "[data-swipe-next]" : "[data-swipe-prev]");
    if (link) { window.location.assign(link.href); }
  }, {passive: true});
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", applyCancelled); }
  else { applyCancelled(); }
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-show-cancelled]")) { return; }
    try { localStorage.setItem("chairside.showCancelled", event.target.checked ? "1" : "0"); } catch (e) { /* private mode */ }
    applyCancelled();
  });

  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-carried")) {
      event.target.removeAttribute("data-carried");  // typed by the person now: theirs
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-booking-form]");
    if (form) { updateTotal(form); }
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-length]")) { updateTotal(event.target.closest("form")); }
  });

  // The chosen procedures as chips above the list: a tap on one takes it off.
  function updateChips(form) {
    var chips = form.querySelector("[data-chips]");
    if (!chips) { return; }
    chips.textContent = "";
    form.querySelectorAll("input[name=procedure_ids]:checked").forEach(function (box) {
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.setAttribute("data-uncheck", box.value);
      var name = box.closest(".option").querySelector(".option__text").textContent;
      chip.textContent = name + " ✕";
      chip.setAttribute("aria-label", (chips.getAttribute("data-remove-label") || "Remove %s").replace("%s", name));
      chips.appendChild(chip);
    });
  }

  document.addEventListener("click", function (event) {
    var chip = event.target.closest && event.target.closest("[data-uncheck]");
    if (chip) {
      var form = chip.closest("form");
      var box = form.querySelector('input[name=procedure_ids][value="' + chip.getAttribute("data-uncheck") + '"]');
      if (box) { box.checked = false; }
      updateTotal(form);
      return;
    }
    var all = event.target.closest && event.target.closest("[data-show-all-procedures]");
    if (all) {
      all.closest("form").querySelector("[data-procedures]").classList.add("show-all");
      all.remove();
    }
  });

  // Typing in "Find a procedure" shows the ones whose name has the words typed.
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-procedure-search]")) { return; }
    var words = event.target.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var list = event.target.closest("form").querySelector("[data-procedures]");
    list.classList.toggle("show-all", words.length > 0);
    list.querySelectorAll(".option").forEach(function (option) {
      var text = option.querySelector(".option__text").textContent.toLocaleLowerCase();
      option.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
  });

  function updateTotal(form) {
    if (!form) { return; }
    updateChips(form);
    var out = form.querySelector("[data-total]");
    if (!out) { return; }
    var minutes = 0, price = 0;
    form.querySelectorAll("input[name=procedure_ids]:checked").forEach(function (box) {
      minutes += parseInt(box.getAttribute("data-minutes"), 10);
      price += parseInt(box.getAttribute("data-price"), 10);
    });
    if (!minutes) { out.textContent = ""; return; }
    var drawn = form.querySelector("[data-length]");  // a length drawn on the calendar wins
    if (drawn && parseInt(drawn.value, 10) > 0) { minutes = parseInt(drawn.value, 10); }
    var timeField = form.querySelector("[name=time]");
    var time = (timeField && timeField.value) || out.getAttribute("data-start") || "00:00";
    var start = parseInt(time.slice(0, 2), 10) * 60 + parseInt(time.slice(3, 5), 10);
    var end = (start + minutes) % (24 * 60);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    // written as the server's money_minor writes it: the page says how (i18n.money_data)
    var minorDigits = parseInt(out.getAttribute("data-minor-digits"), 10);
    var unit = Math.pow(10, minorDigits);
    var digits = price % unit === 0 && out.hasAttribute("data-whole-short") ? 0 : minorDigits;
    var money = new Intl.NumberFormat(out.getAttribute("data-locale"), {
      style: "currency", currency: out.getAttribute("data-currency"),
      minimumFractionDigits: digits, maximumFractionDigits: digits}).format(price / unit);
    out.textContent = out.getAttribute("data-label")
      .replace("{minutes}", minutes).replace("{price}", money)
      .replace("{end}", pad(Math.floor(end / 60)) + ":" + pad(end % 60));
  }

  // "Copy" next to a read-only field: the clipboard where allowed, else the text selected for
  // a long-press copy; the button says "Copied" for a moment either way.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.focus();
    field.select();
    var said = button.textContent;
    var done = function () {
      button.textContent = button.getAttribute("data-copied-text") || said;
      setTimeout(function () { button.textContent = said; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else {
      try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: copy by hand */ }
    }
  });
})();

// Live calendar: every 2 s (while the tab is in view) ask whether the clinic's calendar moved
// (an ETag; "304 Not Modified" while it has not) and, if it did, reload only the grid, as a
// booking here does (the `calendar-changed` event). An open dialog is outside the grid and stays.
(function () {
  "use strict";
  var PERIOD = 2000;

  function start() {
    var grid = document.getElementById("calendar-grid");
    if (!grid || !grid.getAttribute("data-live") || !window.fetch) { return; }
    var url = grid.getAttribute("data-live");
    var known = grid.getAttribute("data-calendar-version") || "";
    var timer = null, asking = false, stopped = false;

    function later() {
      clearTimeout(timer);
      if (!stopped && document.visibilityState !== "hidden") { timer = setTimeout(ask, PERIOD); }
    }

    function ask() {
      if (asking || stopped) { return; }
      asking = true;
      fetch(url, {headers: {"If-None-Match": '"' + known + '"'}, cache: "no-store",
                  credentials: "same-origin", redirect: "manual"})
        .then(function (response) {
          if (response.status === 200) {
            var tag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
            if (tag && tag !== known) {
              known = tag;
              document.body.dispatchEvent(new CustomEvent("calendar-changed"));
            }
          } else if (response.status !== 304 && response.status < 500) {
            stopped = true;  // signed out, or no longer allowed: the next click will say so
          }
        }, function () { /* offline for a moment: ask again later */ })
        .then(function () { asking = false; later(); });
    }

    // The grid says which version it drew; a reload that failed is asked for again.
    grid.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== grid) { return; }
      var drawn = event.detail.xhr && event.detail.xhr.getResponseHeader("Calendar-Version");
      if (!event.detail.successful) { known = ""; }
      else if (drawn && (known === "" || Number(drawn) > Number(known))) { known = drawn; }
    });

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { clearTimeout(timer); } else { ask(); }
    });
    later();
  }

  if (document.readyState !== "loading") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();

// Desktop drag on the calendar (a mouse only: on a phone a tap books and the details dialog
// moves). Drag on empty time to book with that length; drag a visit to move it to another
// time or column (day or room); drag its lower edge to change its length. The server checks
// each as the dialog's move does: a refusal or a question opens the dialog with it, a move
// that went through says so with "Undo".
(function () {
  "use strict";
  var THRESHOLD = 4;  // px the pointer travels before a press becomes a drag
  var drag = null, justDragged = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmm(minutes) { return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60); }
  function gridOf(el) { return el.closest("[data-step]"); }
  function stepOf(grid) { return parseInt(grid.getAttribute("data-step"), 10) || 15; }
  function cellsOf(col) { return col.querySelectorAll(".cal__cell"); }

  // The minute of the day under clientY in a column, down to `step`.
  function minuteAt(col, clientY, step, round) {
    var cells = cellsOf(col);
    var first = cells[0].getBoundingClientRect();
    var hour0 = parseInt(cells[0].getAttribute("data-start").slice(11, 13), 10);
    var raw = hour0 * 60 + (clientY - first.top) / first.height * 60;
    var lo = hour0 * 60, hi = (hour0 + cells.length) * 60;
    var snapped = (round ? Math.round(raw / step) : Math.floor(raw / step)) * step;
    return Math.min(hi, Math.max(lo, snapped));
  }
  function topOf(col, minute) {  // px from the column's top for a minute of the day
    var cells = cellsOf(col);
    var hour0 = parseInt(cells[0].getAttribute("data-start").slice(11, 13), 10);
    return (minute - hour0 * 60) / 60 * cells[0].getBoundingClientRect().height;
  }
  function columnAt(grid, clientX) {
    var found = null;
    grid.querySelectorAll(".cal__col").forEach(function (col) {
      var r = col.getBoundingClientRect();
      if (r.width && clientX >= r.left && clientX < r.right) { found = col; }
    });
    return found;
  }
  function dayOf(col) { return cellsOf(col)[0].getAttribute("data-start").slice(0, 10); }
  function roomOf(col) { return cellsOf(col)[0].getAttribute("data-room-id"); }

  function ghost(col, from, to, text) {
    var g = col.querySelector(".cal__ghost");
    if (!g) { g = document.createElement("div"); g.className = "cal__ghost"; g.setAttribute("aria-hidden", "true"); col.appendChild(g); }
    g.style.top = topOf(col, from) + "px";
    g.style.height = Math.max(4, topOf(col, to) - topOf(col, from)) + "px";
    g.textContent = text;
    return g;
  }
  function clearGhosts() { document.querySelectorAll(".cal__ghost").forEach(function (g) { g.remove(); }); }

  document.addEventListener("pointerdown", function (event) {
    justDragged = false;
    if (event.pointerType !== "mouse" || event.button !== 0 || !event.target.closest) { return; }
    var grid = event.target.closest(".cal[data-step]");
    if (!grid) { return; }
    var block = event.target.closest(".appt[data-movable]");
    var cell = !block && event.target.closest(".cal__cell");
    if (!block && !cell) { return; }
    var col = (block || cell).closest(".cal__col");
    var step = stepOf(grid);
    if (block) {
      var start = block.getAttribute("data-start");
      var from = parseInt(start.slice(11, 13), 10) * 60 + parseInt(start.slice(14, 16), 10);
      drag = {kind: event.target.closest(".appt__grip") ? "resize" : "move", block: block, grid: grid,
              col: col, step: step, x: event.clientX, y: event.clientY, from: from,
              minutes: parseInt(block.getAttribute("data-minutes"), 10), day: start.slice(0, 10),
              grabbed: minuteAt(col, event.clientY, 1, false) - from, active: false};
    } else {
      drag = {kind: "create", cell: cell, grid: grid, col: col, step: step, x: event.clientX, y: event.clientY,
              from: minuteAt(col, event.clientY, step, false), active: false};
    }
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    if (!drag.active) {
      if (Math.abs(event.clientY - drag.y) < THRESHOLD && Math.abs(event.clientX - drag.x) < THRESHOLD) { return; }
      drag.active = true;
      document.body.classList.add("is-dragging");
      if (drag.block) { drag.block.classList.add("is-dragged"); }
    }
    event.preventDefault();
    if (drag.kind === "create") {
      var to = Math.max(drag.from + drag.step, minuteAt(drag.col, event.clientY, drag.step, true));
      drag.to = to;
      ghost(drag.col, drag.from, to, hhmm(drag.from) + "–" + hhmm(to));
    } else if (drag.kind === "resize") {
      var end = Math.max(drag.from + 5, minuteAt(drag.col, event.clientY, drag.step, true));
      drag.newMinutes = end - drag.from;
      ghost(drag.col, drag.from, end, hhmm(drag.from) + "–" + hhmm(end));
    } else {
      var col = columnAt(drag.grid, event.clientX) || drag.col;
      var start = minuteAt(col, event.clientY, 1, false) - drag.grabbed;
      start = Math.round(start / drag.step) * drag.step;
      clearGhosts();
      drag.target = {col: col, start: start};
      ghost(col, start, start + drag.minutes, hhmm(start) + "–" + hhmm(start + drag.minutes));
    }
  });

  document.addEventListener("pointerup", function () {
    var d = drag;
    drag = null;
    if (!d || !d.active) { return; }
    justDragged = true;  // the click that follows a drag (if any) opens nothing
    document.body.classList.remove("is-dragging");
    if (d.kind === "create") {
      clearGhosts();
      var url = d.cell.getAttribute("hx-get")
        .replace(/start=\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}/, "start=" + dayOf(d.col) + "T" + encodeURIComponent(hhmm(d.from)))
        + "&minutes=" + (d.to - d.from);
      window.htmx.ajax("GET", url, {target: "#dialog-body", swap: "innerHTML"});
      return;
    }
    var before = {date: d.day, time: hhmm(d.from), room_id: d.block.getAttribute("data-room-id"),
                  doctor_id: d.block.getAttribute("data-doctor-id"), minutes: String(d.minutes)};
    var after = Object.assign({}, before);
    if (d.kind === "resize") {
      after.minutes = String(d.newMinutes || d.minutes);
    } else if (d.target) {
      after.date = dayOf(d.target.col);
      after.time = hhmm(d.target.start);
      after.room_id = roomOf(d.target.col) || before.room_id;
    }
    if (JSON.stringify(before) === JSON.stringify(after)) { clearGhosts(); d.block.classList.remove("is-dragged"); return; }
    move(d.block, after, before, d.kind);
  });

  document.addEventListener("click", function (event) {
    if (justDragged) { justDragged = false; event.stopPropagation(); event.preventDefault(); }
  }, true);

  function statusBox() { return document.getElementById("cal-status"); }
  function say(text, undo) {
    var status = statusBox();
    if (!status) { return; }
    status.textContent = text;
    if (undo) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--small toast__action";
      button.textContent = status.getAttribute("data-undo");
      button.addEventListener("click", function () { status.hidden = true; undo(); });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(button);
    }
    status.hidden = false;
    clearTimeout(status.hideTimer);
    status.hideTimer = setTimeout(function () { status.hidden = true; }, undo ? 10000 : 4000);
  }

  // POST the move as the dialog's form would; 200: done, else the dialog shows why.
  function move(block, values, previous, kind) {
    var url = block.getAttribute("hx-get") + "/move";
    var body = new URLSearchParams(values);
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { body.set("csrf_token", token.content); }
    if (kind === "undo") { body.set("confirm_outside_hours", "1"); }  // where it was before
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"HX-Request": "true", "X-CSRFToken": token ? token.content : ""}})
      .then(function (response) {
        return response.text().then(function (html) { return {ok: response.ok, status: response.status, html: html}; });
      })
      .then(function (answer) {
        clearGhosts();
        document.body.dispatchEvent(new CustomEvent("calendar-changed"));  // redraw: where it is now
        var status = statusBox();
        if (answer.ok) {
          var start = parseInt(values.time.slice(0, 2), 10) * 60 + parseInt(values.time.slice(3, 5), 10);
          var when = hhmm(start) + "–" + hhmm(start + parseInt(values.minutes, 10));
          var text = status.getAttribute(kind === "undo" ? "data-undone" : (kind === "resize" ? "data-resized" : "data-moved"));
          say(text.replace("{when}", when), kind === "undo" ? null : function () { move(block, previous, values, "undo"); });
          return;
        }
        if (answer.status >= 500 || !answer.html) { say(status.getAttribute("data-failed")); return; }
        var box = document.getElementById("dialog");
        var body = document.getElementById("dialog-body");
        body.innerHTML = answer.html;  // the server's own dialog: the move form and why
        window.htmx.process(body);
        if (!box.open) { box.showModal(); }
        var first = body.querySelector('[role="alert"] button, .move button[type=submit]');
        if (first) { first.focus(); }
      }, function () { clearGhosts(); say(statusBox().getAttribute("data-failed")); });
  }
})();

// Settings → Reminders: the text as the patient gets it, and its SMS length, while it is typed
// (the server fills it in and counts, with the same rules as the send).
(function () {
  var area = document.querySelector("textarea[data-preview-url]");
  if (!area) { return; }
  var box = document.getElementById("reminder-preview");
  var timer = null;
  area.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var body = new URLSearchParams();
      body.set("reminder_template", area.value);
      var token = document.querySelector('meta[name="csrf-token"]');
      if (token) { body.set("csrf_token", token.content); }
      fetch(area.getAttribute("data-preview-url"), {method: "POST", body: body, credentials: "same-origin",
                                                    headers: {"X-CSRFToken": token ? token.content : ""}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (shown) {
          if (!shown) { return; }
          box.querySelector("[data-preview-text]").textContent = shown.text;
          var length = box.querySelector("[data-preview-length]");
          length.textContent = shown.length;
          length.classList.toggle("message-preview__length--long", shown.too_long);
        }, function () {});
    }, 300);
  });
})();
