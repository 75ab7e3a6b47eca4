// Archive pages: tabs by URL hash, scan thumbnails, the page viewer, uploads with progress, intake form helpers.
// No external requests: everything is served from /static/.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- tabs follow the URL hash (#intake, #history, #cat-3) --------------------------------------------------
  function showTabFor(hash) {
    if (!hash || !window.bootstrap) { return; }
    var target = document.querySelector(hash);
    if (!target) { return; }
    var pane = target.classList.contains("tab-pane") ? target : target.closest(".tab-pane");
    if (pane) {
      var button = document.querySelector('[data-bs-target="#' + pane.id + '"]');
      if (button) { window.bootstrap.Tab.getOrCreateInstance(button).show(); }
    }
    if (!target.classList.contains("tab-pane")) {
      setTimeout(function () { target.scrollIntoView({ block: "center" }); target.classList.add("table-warning"); }, 150);
    }
  }
  showTabFor(window.location.hash);
  document.querySelectorAll('#archive-tabs [data-bs-toggle="tab"]').forEach(function (button) {
    button.addEventListener("shown.bs.tab", function () {
      history.replaceState(null, "", button.getAttribute("data-bs-target"));
    });
  });

  // --- scan thumbnails in the directory ------------------------------------------------------------------------
  function loadThumbs(row) {
    row.querySelectorAll("img[data-src]").forEach(function (img) {
      img.src = img.getAttribute("data-src");
      img.removeAttribute("data-src");
    });
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-thumbs]");
    if (toggle) {
      var row = document.getElementById("thumbs-" + toggle.getAttribute("data-toggle-thumbs"));
      if (row) {
        row.classList.toggle("d-none");
        if (!row.classList.contains("d-none")) { loadThumbs(row); }
      }
    }
    var all = event.target.closest("[data-expand-all]");
    if (all) {
      document.querySelectorAll(".dir-thumbs").forEach(function (row) { row.classList.remove("d-none"); loadThumbs(row); });
    }
  });

  // --- the page viewer ------------------------------------------------------------------------------------------
  var pagesScript = document.getElementById("viewer-pages");
  var viewerImage = document.querySelector("[data-image]");
  if (pagesScript && viewerImage) {
    var pages = JSON.parse(pagesScript.textContent);
    var index = parseInt(viewerImage.getAttribute("data-start") || "0", 10) || 0;
    var label = document.querySelector("[data-label]");
    var thumbs = document.querySelectorAll("[data-goto]");
    var show = function (i) {
      if (i < 0 || i >= pages.length) { return; }
      index = i;
      viewerImage.src = pages[i].src;
      label.textContent = "第 " + pages[i].n + " 页（" + (i + 1) + " / " + pages.length + "）";
      thumbs.forEach(function (t, n) { t.classList.toggle("active", n === i); });
      document.querySelector("[data-prev]").disabled = i === 0;
      document.querySelector("[data-next]").disabled = i === pages.length - 1;
    };
    document.querySelector("[data-prev]").addEventListener("click", function () { show(index - 1); });
    document.querySelector("[data-next]").addEventListener("click", function () { show(index + 1); });
    thumbs.forEach(function (t) { t.addEventListener("click", function () { show(parseInt(t.getAttribute("data-goto"), 10)); }); });
    document.addEventListener("keydown", function (e) {
      if (e.target.closest("input, textarea, select")) { return; }
      if (e.key === "ArrowLeft") { show(index - 1); }
      if (e.key === "ArrowRight") { show(index + 1); }
    });
    show(Math.min(index, pages.length - 1));
  }

  // --- upload with a progress bar (XHR upload progress events) ---------------------------------------------------
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[type=file]");
      var result = form.querySelector("[data-upload-result]");
      var progress = form.querySelector("[data-progress]");
      var bar = progress.querySelector(".progress-bar");
      var button = form.querySelector("button[type=submit]");
      result.className = "small mt-2";
      if (!input.files.length) { result.textContent = "请先选择扫描图像文件。"; result.classList.add("text-danger"); return; }
      var data = new FormData(form);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      progress.classList.remove("d-none");
      button.disabled = true;
      bar.classList.remove("bg-danger", "bg-success");
      bar.style.width = "0%"; bar.textContent = "0%";
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var pct = Math.round((e.loaded / e.total) * 100);
          bar.style.width = pct + "%";
          bar.textContent = pct < 100 ? pct + "%" : "服务器校验中…";
        }
      });
      xhr.addEventListener("load", function () {
        button.disabled = false;
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = { message: "上传失败（服务器返回 " + xhr.status + "）。" }; }
        if (xhr.status === 200 && body.ok) {
          bar.classList.add("bg-success"); bar.style.width = "100%"; bar.textContent = "完成";
          result.classList.add("text-success"); result.textContent = body.message;
          setTimeout(function () { window.location.reload(); }, 700);
        } else {
          bar.classList.add("bg-danger"); bar.style.width = "100%"; bar.textContent = "未保存";
          result.classList.add("text-danger");
          result.setAttribute("data-testid", "upload-error");
          var list = (body.violations || []).map(function (v) { return "<li>" + v.message.replace(/</g, "&lt;") + "</li>"; }).join("");
          result.innerHTML = "<div>" + (body.violations && body.violations.length > 1 ? "本次上传未保存任何文件：" : (body.message || "上传失败。")).replace(/</g, "&lt;") + "</div>" + (body.violations && body.violations.length > 1 ? "<ul class='mb-0'>" + list + "</ul>" : "");
        }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false; result.classList.add("text-danger"); result.textContent = "网络错误，上传未完成。";
      });
      xhr.send(data);
    });
  });

  // --- file inputs with a Chinese label: show the chosen file names ---------------------------------------------------
  document.addEventListener("change", function (event) {
    var input = event.target.closest("input[type=file]");
    if (!input) { return; }
    var holder = input.closest("form").querySelector("[data-file-names]");
    if (!holder) { return; }
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    holder.textContent = names.length ? (names.length > 1 ? "已选 " + names.length + " 个文件：" : "") + names.join("、") : "未选择文件";
    holder.classList.toggle("text-muted", !names.length);
  });

  // --- material forms: choosing a kind sets the category and suggests the title ------------------------------------
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-field=kind]");
    if (!select) { return; }
    var scope = select.closest("[data-material-form]") || document;
    var option = select.options[select.selectedIndex];
    var category = option && option.getAttribute("data-category");
    var categorySelect = scope.querySelector("select[data-field=category]");
    if (category && categorySelect) { categorySelect.value = category; }
    var title = scope.querySelector("input[data-field=title]");
    if (title && !title.value && option && option.value) { title.value = option.textContent.trim(); }
  });

  // --- receipt batch: add one more item (formset) ---------------------------------------------------------------------
  var addItem = document.querySelector("[data-add-item]");
  if (addItem) {
    addItem.addEventListener("click", function () {
      var total = document.querySelector("input[name=items-TOTAL_FORMS]");
      var n = parseInt(total.value, 10);
      var html = document.getElementById("item-template").innerHTML.replace(/__prefix__/g, String(n)).replace(/__num__/g, String(n + 1));
      var holder = document.querySelector("[data-items]");
      holder.insertAdjacentHTML("beforeend", html);
      total.value = n + 1;
      var last = holder.lastElementChild;
      var first = last.querySelector("input");
      if (first) { first.focus(); }
    });
  }

  // --- archive number suggestions (datalist) ---------------------------------------------------------------------------
  var timer = null;
  document.addEventListener("input", function (event) {
    var input = event.target.closest("input[list=archive-options]");
    if (!input) { return; }
    clearTimeout(timer);
    var value = input.value.trim();
    if (value.length < 1) { return; }
    timer = setTimeout(function () {
      var list = document.getElementById("archive-options");
      if (!list) { return; }
      fetch(list.getAttribute("data-url") + "?q=" + encodeURIComponent(value), { headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { list.innerHTML = html; });
    }, 250);
  });
})();
