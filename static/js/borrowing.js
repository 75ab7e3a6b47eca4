// Viewing and borrowing pages: dynamic rows on the request form, mode hints, the default loan period,
// the return check's helpers and the countdown of a viewing window. No external requests.
(function () {
  "use strict";
  var script = document.getElementById("borrowing-js");
  var loanDays = script ? parseInt(script.getAttribute("data-loan-days") || "7", 10) : 7;

  function renumber(tbody) {
    var n = 0;
    tbody.querySelectorAll("tr.formset-row .row-no").forEach(function (cell) { n += 1; cell.textContent = n; });
  }

  document.querySelectorAll("button.add-row").forEach(function (button) {
    var prefix = button.getAttribute("data-prefix");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty");
    var tbody = document.querySelector("#" + prefix + "-table tbody");
    if (!total || !template || !tbody) { return; }
    renumber(tbody);
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      tbody.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      renumber(tbody);
    });
  });

  document.addEventListener("click", function (event) {
    var clear = event.target.closest(".row-clear");
    if (!clear) { return; }
    var row = clear.closest("tr");
    row.querySelectorAll("input[type=text], input:not([type]), select").forEach(function (el) { el.value = ""; });
    row.querySelectorAll("input[type=checkbox]").forEach(function (el) { el.checked = false; });
  });

  // A linked account is authoritative: say so in the row's other fields.
  function markLinked(input) {
    var row = input.closest("tr");
    if (!row) { return; }
    var linked = input.value.trim() !== "";
    row.querySelectorAll("input[type=text]:not([name$='-user']), input:not([type]):not([name$='-user'])").forEach(function (el) {
      el.placeholder = linked ? "以账号信息为准" : "";
    });
  }
  document.querySelectorAll("input[name^='viewers-'][name$='-user']").forEach(markLinked);
  document.addEventListener("input", function (event) {
    if (event.target.matches("input[name^='viewers-'][name$='-user']")) { markLinked(event.target); }
  });

  // Mode hints and the default loan period.
  var help = document.getElementById("mode-help");
  function currentMode() {
    var checked = document.querySelector("#mode-choices input:checked");
    return checked ? checked.value : "";
  }
  function showMode() {
    if (!help) { return; }
    help.textContent = help.getAttribute("data-" + currentMode()) || "";
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function toLocal(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  document.querySelectorAll("#mode-choices input").forEach(function (radio) {
    radio.addEventListener("change", function () {
      showMode();
      var start = document.getElementById("id_start_at");
      var end = document.getElementById("id_end_at");
      if (currentMode() === "loan" && start && end && start.value) {
        var due = new Date(start.value);
        due.setDate(due.getDate() + loanDays);
        end.value = toLocal(due);
      }
    });
  });
  showMode();

  // Ticking categories narrows the scope: untick "全部材料" on that row.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches(".scope-cats input[type=checkbox]")) { return; }
    var row = box.closest("tr");
    var all = row && row.querySelector("input[name$='-scope_all']");
    if (all && box.checked) { all.checked = false; }
  });

  // Return check: fill the directory's page counts for the items ticked as present.
  var fill = document.getElementById("fill-expected");
  if (fill) {
    fill.addEventListener("click", function () {
      document.querySelectorAll("tr[data-material]").forEach(function (row) {
        var present = row.querySelector("input[type=checkbox]");
        var pages = row.querySelector("input[type=number]");
        present.checked = true;
        pages.value = row.getAttribute("data-expected");
      });
    });
  }

  // Countdown of an approved viewing window; when it ends the page reloads (and the server refuses).
  var countdown = document.querySelector("[data-ends-at]");
  if (countdown) {
    var ends = new Date(countdown.getAttribute("data-ends-at"));
    var tick = function () {
      var left = Math.floor((ends - new Date()) / 1000);
      if (left <= 0) {
        countdown.textContent = "查阅期限已到";
        window.setTimeout(function () { window.location.reload(); }, 1500);
        return;
      }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      countdown.textContent = "剩余 " + (d ? d + " 天 " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
      window.setTimeout(tick, 1000);
    };
    tick();
  }
})();
