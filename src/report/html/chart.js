// blastsim report.html: the interactive recovery chart (plain SVG, no library, no network).
"use strict";
(function () {
  var problems = [];
  window.addEventListener("error", function (e) { problems.push("error: " + e.message); });
  document.addEventListener("securitypolicyviolation", function (e) { problems.push("blocked request: " + e.blockedURI); });
  var consoleError = console.error;
  console.error = function () { problems.push("console.error: " + Array.prototype.join.call(arguments, " ")); consoleError.apply(console, arguments); };

  // The SVG namespace, taken from the page's own <svg> so the file holds no URL at all.
  var NS = document.getElementById("plot") ? document.getElementById("plot").namespaceURI : null;
  var W = 1000, H = 440, M = { left: 52, right: 36, top: 40, bottom: 44 };
  var PW = W - M.left - M.right, PH = H - M.top - M.bottom;
  var STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

  var data = JSON.parse(document.getElementById("blastsim-data").textContent);
  var svg = document.getElementById("plot");
  var tip = document.getElementById("tip");
  var legend = document.getElementById("legend");
  if (!svg) { return; }
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  var full = [data.x0, data.x1 > data.x0 ? data.x1 : data.x0 + 1];
  var view = full.slice();
  var visible = data.series.map(function () { return true; });
  var paths = [];

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) { node.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  // A time as the Rust side shows it: clock `05:15` (`05:15:30`, `+1d`), else offset `+3h15m`.
  function fmt(t, seconds) {
    t = Math.round(t);
    if (data.clock !== null) {
      var total = data.clock + t, days = Math.floor(total / 86400), s = ((total % 86400) + 86400) % 86400;
      var text = pad2(Math.floor(s / 3600)) + ":" + pad2(Math.floor(s / 60) % 60);
      if (seconds || s % 60 !== 0) { text += ":" + pad2(s % 60); }
      return days > 0 ? text + "+" + days + "d" : text;
    }
    var sign = t < 0 ? "-" : "+", a = Math.abs(t), out = "";
    var d = Math.floor(a / 86400), h = Math.floor(a / 3600) % 24, m = Math.floor(a / 60) % 60, sec = a % 60;
    if (d) { out += d + "d"; }
    if (h) { out += h + "h"; }
    if (m) { out += m + "m"; }
    if (sec || !out) { out += sec + "s"; }
    return sign + out;
  }
  function xOf(t) { return M.left + (t - view[0]) / (view[1] - view[0]) * PW; }
  function tOf(x) { return view[0] + (x - M.left) / PW * (view[1] - view[0]); }
  function yOf(v) { return M.top + (1 - v / 101) * PH; }
  function ticks() {
    var span = view[1] - view[0], origin = data.clock !== null ? data.clock : 0, step = null;
    for (var i = 0; i < STEPS.length; i++) { if (span / STEPS[i] + 1 <= 11) { step = STEPS[i]; break; } }
    if (step === null) { step = 86400 * Math.ceil(span / 86400 / 10); }
    var out = [], t = Math.ceil((view[0] + origin) / step) * step - origin;
    for (; t <= view[1] + 1e-9 && out.length < 40; t += step) { out.push(t); }
    return out;
  }
  // The value of a series at time t, linear between its points; null outside them.
  function valueAt(points, t) {
    if (!points.length || t < points[0][0] || t > points[points.length - 1][0]) { return null; }
    var lo = 0, hi = points.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (points[mid][0] <= t) { lo = mid; } else { hi = mid; } }
    var a = points[lo], b = points[hi];
    return b[0] === a[0] ? b[1] : a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0]);
  }

  var defs = el("defs", {}, svg);
  var clip = el("clipPath", { id: "plot-area" }, defs);
  el("rect", { x: M.left, y: M.top, width: PW, height: PH }, clip);
  var gGrid = el("g", { "class": "grid" }, svg);
  var gAxis = el("g", { "class": "axis" }, svg);
  var gLevels = el("g", { "class": "level", "clip-path": "url(#plot-area)" }, svg);
  var gMarkers = el("g", { "class": "marker" }, svg);
  var gCurves = el("g", { "clip-path": "url(#plot-area)" }, svg);
  var cursor = el("line", { "class": "cursor", y1: M.top, y2: M.top + PH, visibility: "hidden" }, svg);
  var brush = el("rect", { "class": "brush", y: M.top, height: PH, width: 0, visibility: "hidden" }, svg);
  var overlay = el("rect", { x: M.left, y: M.top, width: PW, height: PH, fill: "transparent", id: "plot-overlay" }, svg);
  el("text", { x: M.left + PW / 2, y: H - 6, "text-anchor": "middle" }, gAxis).textContent = data.x_desc;
  var yTitle = el("text", { x: 14, y: M.top + PH / 2, "text-anchor": "middle", transform: "rotate(-90 14 " + (M.top + PH / 2) + ")" }, gAxis);
  yTitle.textContent = "availability (%)";

  // Faint series first, so coloured ones draw on top.
  var order = data.series.map(function (s, i) { return i; });
  order.sort(function (a, b) { return (data.series[a].strong ? 1 : 0) - (data.series[b].strong ? 1 : 0) || a - b; });
  // A curve identical to one drawn before it is dashed, so both stay visible.
  var keys = data.series.map(function (s) { return s.strong ? JSON.stringify(s.points) : null; });
  var group = {}, seen = {};
  keys.forEach(function (k) { if (k !== null) { group[k] = (group[k] || 0) + 1; } });
  order.forEach(function (i) {
    var s = data.series[i], k = keys[i];
    paths[i] = el("path", { "class": "curve" + (s.strong ? "" : " faint"), stroke: s.color, "data-name": s.name, id: "curve-" + i }, gCurves);
    if (k === null) { return; }
    var rank = seen[k] || 0, m = group[k];
    seen[k] = rank + 1;
    if (rank > 0) {
      paths[i].setAttribute("stroke-dasharray", "8 " + 8 * (m - 1));
      paths[i].setAttribute("stroke-dashoffset", String(-8 * rank));
    }
  });

  function draw() {
    gGrid.textContent = "";
    Array.prototype.slice.call(gAxis.querySelectorAll(".tick")).forEach(function (n) { n.remove(); });
    ticks().forEach(function (t) {
      var x = xOf(t);
      el("line", { x1: x, x2: x, y1: M.top, y2: M.top + PH }, gGrid);
      el("text", { x: x, y: M.top + PH + 18, "text-anchor": "middle", "class": "tick" }, gAxis).textContent = fmt(t, false);
    });
    for (var v = 0; v <= 100; v += 10) {
      el("line", { x1: M.left, x2: M.left + PW, y1: yOf(v), y2: yOf(v) }, gGrid);
      el("text", { x: M.left - 6, y: yOf(v) + 4, "text-anchor": "end", "class": "tick" }, gAxis).textContent = v;
    }
    gLevels.textContent = "";
    data.levels.forEach(function (l) {
      el("line", { x1: M.left, x2: M.left + PW, y1: yOf(l[0]), y2: yOf(l[0]) }, gLevels);
      el("text", { x: M.left + PW - 4, y: yOf(l[0]) + 12, "text-anchor": "end" }, gLevels).textContent = l[1];
    });
    gMarkers.textContent = "";
    data.markers.forEach(function (m, k) {
      if (m[0] < view[0] || m[0] > view[1]) { return; }
      var x = xOf(m[0]);
      var line = el("line", { x1: x, x2: x, y1: M.top - 6, y2: M.top + PH }, gMarkers);
      el("title", {}, line).textContent = fmt(m[0], true) + " " + m[1];
      var label = el("text", { x: x, y: M.top - 10 - (k % 2) * 12, "text-anchor": "middle" }, gMarkers);
      label.textContent = String(k + 1);
      el("title", {}, label).textContent = fmt(m[0], true) + " " + m[1];
    });
    data.series.forEach(function (s, i) {
      var d = [], pts = s.points, started = false;
      for (var j = 0; j < pts.length; j++) {
        var next = pts[j + 1], prev = pts[j - 1];
        if ((next && next[0] < view[0]) || (prev && prev[0] > view[1])) { continue; }
        d.push((started ? "L" : "M") + xOf(pts[j][0]).toFixed(1) + "," + yOf(pts[j][1]).toFixed(1));
        started = true;
      }
      paths[i].setAttribute("d", d.join(""));
      paths[i].style.display = visible[i] ? "" : "none";
    });
  }

  function setVisible(i, on) {
    visible[i] = on;
    paths[i].style.display = on ? "" : "none";
    var button = legend.querySelector('button[data-series="' + i + '"]');
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  }
  data.series.forEach(function (s, i) {
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("data-series", String(i));
    button.setAttribute("aria-pressed", "true");
    button.title = "show or hide " + s.name;
    var sw = document.createElement("span");
    sw.className = "sw";
    sw.style.background = s.color;
    button.appendChild(sw);
    button.appendChild(document.createTextNode(s.name));
    button.addEventListener("click", function () { setVisible(i, !visible[i]); });
    legend.appendChild(button);
  });
  var events = document.getElementById("events");
  data.markers.forEach(function (m) {
    var li = document.createElement("li");
    li.textContent = fmt(m[0], true) + " " + m[1];
    events.appendChild(li);
  });
  function all(test) { data.series.forEach(function (s, i) { setVisible(i, test(s)); }); }
  document.getElementById("show-all").addEventListener("click", function () { all(function () { return true; }); });
  document.getElementById("hide-all").addEventListener("click", function () { all(function () { return false; }); });
  document.getElementById("show-strong").addEventListener("click", function () { all(function (s) { return s.strong; }); });
  function zoom(t0, t1) {
    var min = Math.max((full[1] - full[0]) / 5000, 10);
    if (t1 - t0 < min) { var c = (t0 + t1) / 2; t0 = c - min / 2; t1 = c + min / 2; }
    view = [Math.max(full[0], t0), Math.min(full[1], t1)];
    draw();
  }
  document.getElementById("reset-zoom").addEventListener("click", function () { zoom(full[0], full[1]); });

  function local(e) {
    var p = svg.createSVGPoint();
    p.x = e.clientX; p.y = e.clientY;
    var m = svg.getScreenCTM();
    return m ? p.matrixTransform(m.inverse()) : { x: 0, y: 0 };
  }
  var hot = null, dragFrom = null, hoverT = null;
  function hover(e) {
    var p = local(e), t = tOf(p.x);
    hoverT = t;
    if (dragFrom !== null) {
      brush.setAttribute("x", Math.min(dragFrom, p.x));
      brush.setAttribute("width", Math.abs(p.x - dragFrom));
    }
    cursor.setAttribute("x1", p.x); cursor.setAttribute("x2", p.x);
    cursor.setAttribute("visibility", "visible");
    var rows = [];
    data.series.forEach(function (s, i) {
      if (!visible[i]) { return; }
      var v = valueAt(s.points, t);
      if (v !== null) { rows.push({ i: i, v: v, dy: Math.abs(yOf(v) - p.y) }); }
    });
    rows.sort(function (a, b) { return a.dy - b.dy || a.i - b.i; });
    if (hot !== null) { paths[hot].classList.remove("hot"); }
    hot = rows.length && rows[0].dy < 14 ? rows[0].i : null;
    if (hot !== null) { paths[hot].classList.add("hot"); }
    tip.textContent = "";
    var head = document.createElement("div");
    head.textContent = fmt(t, true);
    head.style.fontWeight = "bold";
    tip.appendChild(head);
    rows.slice(0, 12).forEach(function (r, k) {
      var line = document.createElement("div");
      var sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = data.series[r.i].color;
      line.appendChild(sw);
      line.appendChild(document.createTextNode(data.series[r.i].name + ": " + r.v.toFixed(2) + "%"));
      if (k === 0 && hot !== null) { line.style.fontWeight = "bold"; line.className = "hot-row"; }
      tip.appendChild(line);
    });
    if (rows.length > 12) {
      var more = document.createElement("div");
      more.textContent = "and " + (rows.length - 12) + " more";
      tip.appendChild(more);
    }
    var box = svg.getBoundingClientRect(), scale = box.width / W;
    var left = p.x * scale + 14, top = p.y * scale + 10;
    tip.hidden = false;
    if (left + tip.offsetWidth > box.width) { left = p.x * scale - tip.offsetWidth - 14; }
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = Math.max(0, top) + "px";
  }
  overlay.addEventListener("mousemove", hover);
  overlay.addEventListener("mouseleave", function () {
    tip.hidden = true;
    cursor.setAttribute("visibility", "hidden");
    if (hot !== null) { paths[hot].classList.remove("hot"); hot = null; }
  });
  overlay.addEventListener("mousedown", function (e) {
    dragFrom = local(e).x;
    brush.setAttribute("x", dragFrom); brush.setAttribute("width", 0);
    brush.setAttribute("visibility", "visible");
    e.preventDefault();
  });
  window.addEventListener("mouseup", function (e) {
    if (dragFrom === null) { return; }
    var x = local(e).x, from = dragFrom;
    dragFrom = null;
    brush.setAttribute("visibility", "hidden");
    if (Math.abs(x - from) > 4) { zoom(tOf(Math.min(x, from)), tOf(Math.max(x, from))); }
  });
  overlay.addEventListener("wheel", function (e) {
    e.preventDefault();
    var t = tOf(local(e).x), f = e.deltaY < 0 ? 0.8 : 1.25;
    zoom(t - (t - view[0]) * f, t + (view[1] - t) * f);
  }, { passive: false });
  overlay.addEventListener("dblclick", function () { zoom(full[0], full[1]); });
  draw();

  // `#selftest`: act as a user would and write what happened into the page,
  // for the headless-browser test (`chromium --headless --dump-dom`).
  if (location.hash === "#selftest") {
    var result = { problems: problems, services: [], drawn: [], hidden_after_toggle: null, shown_after_second_toggle: null, hover: null, zoomed: null, reset: null, resources: null };
    legend.querySelectorAll("button").forEach(function (b) { result.services.push(b.textContent); });
    paths.forEach(function (p) { if ((p.getAttribute("d") || "").length > 1 && getComputedStyle(p).display !== "none") { result.drawn.push(p.getAttribute("data-name")); } });
    var first = legend.querySelector("button");
    if (first) {
      first.click();
      result.hidden_after_toggle = getComputedStyle(paths[0]).display === "none" && first.getAttribute("aria-pressed") === "false";
      first.click();
      result.shown_after_second_toggle = getComputedStyle(paths[0]).display !== "none";
    }
    var box = overlay.getBoundingClientRect();
    var s0 = data.series[0], mid = (view[0] + view[1]) / 2, v = s0 ? valueAt(s0.points, mid) : null;
    var ctm = svg.getScreenCTM(), at = svg.createSVGPoint();
    at.x = xOf(mid); at.y = v === null ? M.top + PH / 2 : yOf(v);
    var screen = ctm ? at.matrixTransform(ctm) : { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    overlay.dispatchEvent(new MouseEvent("mousemove", { clientX: screen.x, clientY: screen.y, bubbles: true }));
    var hotRow = tip.querySelector(".hot-row");
    result.hover = { shown: !tip.hidden, tip: tip.textContent, time: tip.firstChild ? tip.firstChild.textContent : null, time_of_t: fmt(hoverT, true), hot: hotRow ? hotRow.textContent : null, t: hoverT, expected_t: mid, span: view[1] - view[0], hot_name: hot === null ? null : data.series[hot].name, hot_value: hot === null ? null : valueAt(data.series[hot].points, hoverT), expected_name: s0 ? s0.name : null, expected_value: v };
    var before = view[1] - view[0];
    overlay.dispatchEvent(new WheelEvent("wheel", { deltaY: -100, clientX: screen.x, clientY: screen.y, bubbles: true, cancelable: true }));
    result.zoomed = view[1] - view[0] < before;
    overlay.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    result.reset = view[0] === full[0] && view[1] === full[1];
    result.resources = performance.getEntriesByType("resource").map(function (r) { return r.name; });
    var out = document.getElementById("selftest-result");
    out.textContent = JSON.stringify(result);
    out.hidden = false;
  }
})();
