// hunch report views: reads the JSON data block #report-data and draws the timeline, process trees, time
// series, map, entity graph, heatmap and record table into the sections of the page. No network, no eval, no
// inline styles set through attributes (only through the CSSOM), so it runs under a strict CSP as well.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function title(node, text) { node.appendChild(svg("title", null, text)); return node; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function base(p) { var i = Math.max(p.lastIndexOf("\\"), p.lastIndexOf("/")); return i >= 0 ? p.slice(i + 1) : p; }
  function iso(ms) { return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z"); }
  // widths holds the boxes' widths, measured once before any view draws: measuring after the views have added
  // thousands of elements would force a layout of all of them.
  var widths = {};
  function width(node, def) {
    var w = widths[node.id];
    if (w === undefined) w = node.getBoundingClientRect().width;
    return w > 50 ? Math.floor(w) : def;
  }
  function ready(id, n) { var s = document.getElementById(id); if (s) s.setAttribute("data-ready", String(n)); }
  function fmtTick(ms, span) {
    var s = new Date(ms).toISOString();
    if (span > 3 * 86400000) return s.slice(5, 10);
    if (span > 86400000) return s.slice(5, 10) + " " + s.slice(11, 16);
    if (span > 600000) return s.slice(11, 16);
    return s.slice(11, 19);
  }

  // 1. Timeline.
  function timeline(data) {
    var box = document.getElementById("timeline-svg-box");
    if (!box) return;
    var events = data.events || [];
    var status = document.getElementById("timeline-status");
    var groupSel = document.getElementById("timeline-group");
    if (groupSel) groupSel.value = data.group_by === "type" ? "type" : "host";
    if (!events.length) { status.textContent = "No record has a time."; ready("timeline", 0); return; }
    var lo = Infinity, hi = -Infinity;
    events.forEach(function (e) { if (e.t < lo) lo = e.t; if (e.t > hi) hi = e.t; });
    if (hi === lo) { lo -= 60000; hi += 60000; }
    var pad = (hi - lo) * 0.02;
    var full = [lo - pad, hi + pad], dom = full.slice();
    var W, H, left = 190, right = 16, top = 8, laneH = 22, axisH = 26, lanes, laneOf, s;

    function layout() {
      var by = groupSel ? groupSel.value : "host";
      var counts = {};
      events.forEach(function (e) { var k = (by === "type" ? e.type : e.host) || "(none)"; counts[k] = (counts[k] || 0) + 1; });
      lanes = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
      var other = false;
      if (lanes.length > 25) { lanes = lanes.slice(0, 24); other = true; }
      laneOf = {};
      lanes.forEach(function (k, i) { laneOf[k] = i; });
      if (other) lanes.push("(other)");
      lanes.byField = by;
    }
    function draw() {
      clear(box);
      W = width(box, 1000);
      H = top + lanes.length * laneH + axisH;
      s = svg("svg", { id: "timeline-svg", width: W, height: H, viewBox: "0 0 " + W + " " + H, "class": "tl" });
      var x = function (t) { return left + (t - dom[0]) / (dom[1] - dom[0]) * (W - left - right); };
      lanes.forEach(function (k, i) {
        s.appendChild(svg("rect", { x: 0, y: top + i * laneH, width: W, height: laneH, "class": i % 2 ? "tl-lane odd" : "tl-lane" }));
        s.appendChild(title(svg("text", { x: 4, y: top + i * laneH + 15, "class": "tl-lane-label" }, k.length > 28 ? k.slice(0, 27) + "…" : k), k));
      });
      var ticks = 8, span = dom[1] - dom[0];
      for (var i = 0; i <= ticks; i++) {
        var t = dom[0] + span * i / ticks, xx = x(t);
        s.appendChild(svg("line", { x1: xx, x2: xx, y1: top, y2: H - axisH + 4, "class": "tl-grid" }));
        s.appendChild(svg("text", { x: xx, y: H - 8, "class": "tl-tick", "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" }, fmtTick(t, span)));
      }
      var g = svg("g", { "class": "tl-marks" }), shown = 0;
      var by = lanes.byField, last = lanes.length - 1;
      events.forEach(function (e, ei) {
        if (e.t < dom[0] || e.t > dom[1]) return;
        var k = (by === "type" ? e.type : e.host) || "(none)";
        var li = laneOf[k]; if (li === undefined) li = last;
        g.appendChild(svg("circle", { cx: x(e.t).toFixed(1), cy: top + li * laneH + laneH / 2, r: 4, "class": "tl-mark", "data-i": String(ei) }));
        shown++;
      });
      s.appendChild(g);
      box.appendChild(s);
      status.textContent = shown + " of " + events.length + " events, " + iso(dom[0]) + " – " + iso(dom[1]);
      attach();
    }
    function zoom(f, center) {
      var c = center === undefined ? (dom[0] + dom[1]) / 2 : center;
      var a = c - (c - dom[0]) * f, b = c + (dom[1] - c) * f;
      if (b - a < 1000) return;
      if (b - a > full[1] - full[0]) { a = full[0]; b = full[1]; }
      dom = [a, b];
      draw();
    }
    var drag = null;
    // One tooltip for all marks (a title element each would double the DOM of a large timeline).
    var tip = el("div", { "class": "tl-tip", id: "timeline-tip", role: "tooltip" });
    tip.hidden = true;
    box.parentNode.appendChild(tip);
    function attach() {
      s.addEventListener("mouseover", function (ev) {
        var i = ev.target.getAttribute && ev.target.getAttribute("data-i");
        if (i === null || i === undefined) { tip.hidden = true; return; }
        var e = events[+i];
        tip.textContent = iso(e.t) + "  " + (e.host || "") + (e.type ? "  [" + e.type + "]" : "") + (e.label ? "  " + e.label : "");
        var r = ev.target.getBoundingClientRect(), p = box.parentNode.getBoundingClientRect();
        tip.style.left = Math.max(0, r.left - p.left - 20) + "px";
        tip.style.top = (r.bottom - p.top + 6) + "px";
        tip.hidden = false;
      });
      s.addEventListener("mouseleave", function () { tip.hidden = true; });
      s.addEventListener("wheel", function (ev) {
        ev.preventDefault();
        var r = s.getBoundingClientRect();
        var px = ev.clientX - r.left;
        var c = dom[0] + (px - left) / (W - left - right) * (dom[1] - dom[0]);
        zoom(ev.deltaY > 0 ? 1.25 : 0.8, c);
      }, { passive: false });
      s.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, dom: dom.slice() }; });
    }
    window.addEventListener("mousemove", function (ev) {
      if (!drag) return;
      var dt = (ev.clientX - drag.x) / (W - left - right) * (drag.dom[1] - drag.dom[0]);
      if (Math.abs(ev.clientX - drag.x) < 3) return;
      dom = [drag.dom[0] - dt, drag.dom[1] - dt];
      drag.moved = true;
    });
    window.addEventListener("mouseup", function () { if (drag && drag.moved) draw(); drag = null; });
    var btns = document.querySelectorAll("#timeline [data-zoom]");
    Array.prototype.forEach.call(btns, function (b) {
      b.addEventListener("click", function () {
        var z = b.getAttribute("data-zoom");
        if (z === "all") { dom = full.slice(); draw(); } else if (z === "in") zoom(0.5); else if (z === "out") zoom(2);
      });
    });
    if (groupSel) groupSel.addEventListener("change", function () { layout(); draw(); });
    layout();
    draw();
    ready("timeline", events.length);
  }

  // 2. Process trees.
  function proctree(data) {
    var body = document.getElementById("proctree-body");
    if (!body) return;
    var nodes = data.tree || [];
    var status = document.getElementById("proctree-status");
    if (!nodes.length) { status.textContent = "No process-creation events (Sysmon 1, Security 4688, auditd EXECVE)."; ready("proctree", 0); return; }
    var kids = {}, roots = [], risky = 0;
    nodes.forEach(function (n) { if (n.parent) (kids[n.parent] = kids[n.parent] || []).push(n); else roots.push(n); });
    function item(n) {
      var li = el("li", { "class": "pt-node", "data-id": n.id });
      var cls = "pt-label";
      if (n.inferred) cls += " pt-inferred";
      if (n.score !== undefined && n.score !== null) {
        if (n.score >= 50) { cls += " pt-risky"; risky++; } else if (n.score >= 20) cls += " pt-suspect";
      }
      var label = el("span", { "class": cls });
      label.appendChild(el("b", { "class": "pt-image" }, base(n.image || "?")));
      label.appendChild(el("span", { "class": "pt-pid" }, " pid " + n.pid));
      label.appendChild(el("span", { "class": "pt-host" }, " " + (n.host || "")));
      if (n.user) label.appendChild(el("span", { "class": "pt-user" }, " " + n.user));
      if (n.t) label.appendChild(el("span", { "class": "pt-time" }, " " + iso(n.t)));
      if (n.score) label.appendChild(el("span", { "class": "pt-score" }, " score " + n.score));
      if (n.inferred) label.appendChild(el("span", { "class": "pt-note" }, " (parent inferred)"));
      var cmd = el("div", { "class": "pt-cmd" }, n.cmdline || "");
      var ch = kids[n.id] || [];
      if (ch.length) {
        var det = el("details", { open: "" });
        var sum = el("summary");
        sum.appendChild(label);
        det.appendChild(sum);
        if (n.cmdline) det.appendChild(cmd);
        var ul = el("ul");
        ch.forEach(function (c) { ul.appendChild(item(c)); });
        det.appendChild(ul);
        li.appendChild(det);
      } else {
        li.appendChild(label);
        if (n.cmdline) li.appendChild(cmd);
      }
      return li;
    }
    var ul = el("ul", { "class": "pt-tree" });
    roots.forEach(function (r) { ul.appendChild(item(r)); });
    body.appendChild(ul);
    var btns = document.querySelectorAll("#proctree [data-tree]");
    Array.prototype.forEach.call(btns, function (b) {
      b.addEventListener("click", function () {
        var open = b.getAttribute("data-tree") === "expand";
        Array.prototype.forEach.call(body.querySelectorAll("details"), function (d) { d.open = open; });
      });
    });
    status.textContent = nodes.length + " processes in " + roots.length + " trees" + (risky ? ", " + risky + " risky (cmdline_score ≥ 50)" : "") +
      (data.tree_truncated ? "; more process creations were left out by the limit" : "");
    ready("proctree", nodes.length);
  }

  // 3. Time series with decomposition and anomalies.
  function series(data) {
    var box = document.getElementById("series-svg-box");
    if (!box) return;
    var list = data.series || [];
    if (!list.length) { ready("series", 0); return; }
    var sr = list[0];
    var parts = [["counts", sr.values]];
    if (sr.trend) parts.push(["trend", sr.trend], ["seasonal", sr.seasonal], ["residual", sr.resid]);
    var W = width(box, 1000), ph = 110, gap = 22, left = 60, right = 14;
    var H = parts.length * (ph + gap) + 20;
    var s = svg("svg", { id: "series-svg", width: W, height: H, viewBox: "0 0 " + W + " " + H, "class": "ts" });
    var n = sr.values.length;
    var stepMs = sr.step / 1e6, start = Date.parse(sr.start);
    var x = function (i) { return left + (n > 1 ? i / (n - 1) : 0.5) * (W - left - right); };
    parts.forEach(function (p, pi) {
      var y0 = pi * (ph + gap) + 16, vals = p[1];
      var mn = Math.min.apply(null, vals), mx = Math.max.apply(null, vals);
      if (mn === mx) { mn -= 1; mx += 1; }
      var y = function (v) { return y0 + ph - (v - mn) / (mx - mn) * ph; };
      s.appendChild(svg("rect", { x: left, y: y0, width: W - left - right, height: ph, "class": "ts-panel" }));
      s.appendChild(svg("text", { x: left + 4, y: y0 - 4, "class": "ts-label" }, p[0]));
      s.appendChild(svg("text", { x: left - 4, y: y0 + 10, "class": "ts-tick", "text-anchor": "end" }, +mx.toFixed(2)));
      s.appendChild(svg("text", { x: left - 4, y: y0 + ph, "class": "ts-tick", "text-anchor": "end" }, +mn.toFixed(2)));
      var pts = vals.map(function (v, i) { return x(i).toFixed(1) + "," + y(v).toFixed(1); }).join(" ");
      s.appendChild(svg("polyline", { points: pts, "class": "ts-line ts-" + p[0] }));
      if (pi === 0) {
        (sr.anomalies || []).forEach(function (a) {
          var c = svg("circle", { cx: x(a.index), cy: y(vals[a.index]), r: 5, "class": "ts-anomaly ts-" + a.direction });
          title(c, iso(start + a.index * stepMs) + ": " + vals[a.index] + " (" + a.direction + ", score " + a.score + ")");
          s.appendChild(c);
        });
      }
    });
    var last = parts.length * (ph + gap) + 12;
    s.appendChild(svg("text", { x: left, y: last, "class": "ts-tick" }, iso(start)));
    s.appendChild(svg("text", { x: W - right, y: last, "class": "ts-tick", "text-anchor": "end" }, iso(start + (n - 1) * stepMs)));
    box.appendChild(s);
    document.getElementById("series-status").textContent = sr.name + ": " + n + " buckets, " +
      (sr.trend ? (sr.anomalies || []).length + " anomalies" : "not decomposed");
    ready("series", n);
  }

  // 4. Map.
  function map(data) {
    var g = document.getElementById("map-points");
    if (!g) return;
    var pts = data.points || [], max = 1;
    pts.forEach(function (p) { if (p.count > max) max = p.count; });
    pts.slice().reverse().forEach(function (p) {
      var c = svg("circle", { cx: (p.lon + 180).toFixed(2), cy: (90 - p.lat).toFixed(2), r: (1.2 + 2.5 * Math.sqrt(p.count / max)).toFixed(2), "class": "map-point" });
      title(c, p.ip + " — " + [p.city, p.country].filter(Boolean).join(", ") + (p.asn ? "  AS" + p.asn + " " + (p.as_org || "") : "") + "  (" + p.count + " records)");
      g.appendChild(c);
    });
    document.getElementById("map-status").textContent = pts.length ? pts.length + " located addresses" + (data.points_truncated ? " (capped)" : "") :
      "No located addresses: records carry no lat/lon fields and no GeoIP database was given.";
    ready("map", pts.length);
  }

  // 5. Entity graph with a small force layout.
  function graph(data) {
    var box = document.getElementById("entities-svg-box");
    if (!box) return;
    var G = data.graph || { nodes: [], edges: [] }, nodes = G.nodes || [], edges = G.edges || [];
    var status = document.getElementById("entities-status");
    if (!nodes.length) { status.textContent = "No entities found."; ready("entities", 0); return; }
    var W = width(box, 1000), H = 560, n = nodes.length;
    var P = nodes.map(function (d, i) {
      var a = 2 * Math.PI * i / n, r = Math.min(W, H) * 0.35;
      return { x: W / 2 + r * Math.cos(a), y: H / 2 + r * Math.sin(a), dx: 0, dy: 0 };
    });
    var k = Math.sqrt(W * H / n) * 0.6, temp = W / 8, R = 0.42 * Math.min(W, H), grav = 0.5 * n * k * k / (R * R * R);
    for (var it = 0; it < 300; it++) {
      var i, j, dx, dy, d, f;
      for (i = 0; i < n; i++) { P[i].dx = 0; P[i].dy = 0; }
      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) {
        dx = P[i].x - P[j].x; dy = P[i].y - P[j].y; d = Math.sqrt(dx * dx + dy * dy) || 0.01;
        f = k * k / d;
        P[i].dx += dx / d * f; P[i].dy += dy / d * f; P[j].dx -= dx / d * f; P[j].dy -= dy / d * f;
      }
      edges.forEach(function (e) {
        var a = P[e.source], b = P[e.target];
        var ddx = a.x - b.x, ddy = a.y - b.y, dd = Math.sqrt(ddx * ddx + ddy * ddy) || 0.01, ff = dd * dd / k;
        a.dx -= ddx / dd * ff; a.dy -= ddy / dd * ff; b.dx += ddx / dd * ff; b.dy += ddy / dd * ff;
      });
      for (i = 0; i < n; i++) {
        var p = P[i];
        // gravity, growing with the distance from the centre, keeps every component in view
        p.dx += (W / 2 - p.x) * grav * Math.abs(W / 2 - p.x); p.dy += (H / 2 - p.y) * grav * Math.abs(H / 2 - p.y) * (W / H);
        d = Math.sqrt(p.dx * p.dx + p.dy * p.dy) || 0.01;
        p.x += p.dx / d * Math.min(d, temp); p.y += p.dy / d * Math.min(d, temp);
        p.x = Math.max(20, Math.min(W - 20, p.x)); p.y = Math.max(20, Math.min(H - 20, p.y));
      }
      temp *= 0.985;
    }
    var s = svg("svg", { id: "entities-svg", width: W, height: H, viewBox: "0 0 " + W + " " + H, "class": "eg" });
    var maxC = 1;
    nodes.forEach(function (d) { if (d.count > maxC) maxC = d.count; });
    edges.forEach(function (e) {
      var l = svg("line", { x1: P[e.source].x.toFixed(1), y1: P[e.source].y.toFixed(1), x2: P[e.target].x.toFixed(1), y2: P[e.target].y.toFixed(1), "class": "eg-edge", "stroke-width": Math.min(6, 0.6 + Math.log(1 + e.weight)).toFixed(2) });
      title(l, nodes[e.source].value + " — " + nodes[e.target].value + ": " + e.weight + " records");
      s.appendChild(l);
    });
    nodes.forEach(function (d, i) {
      var g = svg("g", { "class": "eg-node eg-" + d.kind, transform: "translate(" + P[i].x.toFixed(1) + "," + P[i].y.toFixed(1) + ")" });
      title(g, d.kind + ": " + d.value + " (" + d.count + " records)");
      g.appendChild(svg("circle", { r: (4 + 8 * Math.sqrt(d.count / maxC)).toFixed(1) }));
      var lab = d.value.length > 24 ? d.value.slice(0, 23) + "…" : d.value;
      g.appendChild(svg("text", { x: 10, y: 4, "class": "eg-label" }, lab));
      s.appendChild(g);
    });
    // Hovering a node brings it, its neighbours and its edges forward and dims the rest.
    var nodeEls = s.querySelectorAll("g.eg-node"), edgeEls = s.querySelectorAll("line.eg-edge");
    Array.prototype.forEach.call(nodeEls, function (g, i) {
      g.addEventListener("mouseenter", function () {
        s.classList.add("eg-focus");
        g.classList.add("eg-near");
        edges.forEach(function (e, j) {
          if (e.source === i || e.target === i) {
            edgeEls[j].classList.add("eg-near");
            nodeEls[e.source === i ? e.target : e.source].classList.add("eg-near");
          }
        });
      });
      g.addEventListener("mouseleave", function () {
        s.classList.remove("eg-focus");
        Array.prototype.forEach.call(s.querySelectorAll(".eg-near"), function (x) { x.classList.remove("eg-near"); });
      });
    });
    box.appendChild(s);
    status.textContent = nodes.length + " nodes, " + edges.length + " edges" + (G.total > nodes.length ? " (the " + nodes.length + " most frequent of " + G.total + " entities)" : "");
    ready("entities", nodes.length);
  }

  // 6. Heatmap.
  function heatmap(data) {
    var body = document.getElementById("heatmap-body");
    if (!body) return;
    var h = data.heatmap || {}, xs = h.xkeys || [], ys = h.ykeys || [], cells = h.cells || [];
    if (!xs.length || !ys.length) { body.appendChild(el("p", null, "No record has both " + h.x + " and " + h.y + ".")); ready("heatmap", 0); return; }
    var max = 0;
    cells.forEach(function (r) { r.forEach(function (v) { if (v > max) max = v; }); });
    var t = el("table", { "class": "hm", id: "heatmap-table" });
    var hr = el("tr");
    hr.appendChild(el("th", { "class": "hm-corner" }, h.y + " \\ " + h.x));
    xs.forEach(function (k) { hr.appendChild(el("th", { "class": "hm-x" }, k)); });
    var thead = el("thead"); thead.appendChild(hr); t.appendChild(thead);
    var tb = el("tbody"), filled = 0;
    ys.forEach(function (yk, yi) {
      var tr = el("tr");
      tr.appendChild(el("th", { "class": "hm-y" }, yk));
      xs.forEach(function (xk, xi) {
        var v = (cells[yi] || [])[xi] || 0;
        var td = el("td", { "class": v ? "hm-cell" : "hm-cell hm-zero", title: yk + " × " + xk + ": " + v }, v || "");
        if (v) { filled++; td.style.backgroundColor = "rgba(200, 60, 30, " + (0.12 + 0.88 * v / max).toFixed(3) + ")"; if (v / max > 0.55) td.className += " hm-dark"; }
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    body.appendChild(t);
    ready("heatmap", filled);
  }

  // 7. Record table: sortable, filterable, paged.
  function records(data) {
    var tbl = document.getElementById("records-table");
    if (!tbl) return;
    var T = data.table || { columns: [], rows: [] }, cols = T.columns || [], rows = T.rows || [];
    var filter = document.getElementById("records-filter"), status = document.getElementById("records-status");
    var pageSize = 200, page = 0, sortCol = -1, sortDir = 1, view = rows;
    var thead = el("thead"), hr = el("tr"), tbody = el("tbody");
    cols.forEach(function (c, i) {
      var th = el("th", { "class": "rt-sort", "data-col": String(i), tabindex: "0" }, c);
      th.addEventListener("click", function () { sortBy(i); });
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") sortBy(i); });
      hr.appendChild(th);
    });
    thead.appendChild(hr); tbl.appendChild(thead); tbl.appendChild(tbody);
    function cmp(a, b) {
      var na = parseFloat(a), nb = parseFloat(b);
      if (!isNaN(na) && !isNaN(nb) && String(na) === a.trim() && String(nb) === b.trim()) return na - nb;
      return a < b ? -1 : a > b ? 1 : 0;
    }
    function sortBy(i) {
      if (sortCol === i) sortDir = -sortDir; else { sortCol = i; sortDir = 1; }
      Array.prototype.forEach.call(hr.children, function (th, j) { th.setAttribute("aria-sort", j === i ? (sortDir > 0 ? "ascending" : "descending") : "none"); });
      apply();
    }
    function apply() {
      var q = filter ? filter.value.toLowerCase() : "";
      view = q ? rows.filter(function (r) { return r.some(function (c) { return c.toLowerCase().indexOf(q) >= 0; }); }) : rows.slice();
      if (sortCol >= 0) view.sort(function (a, b) { return sortDir * cmp(a[sortCol] || "", b[sortCol] || ""); });
      page = 0;
      show();
    }
    function show() {
      clear(tbody);
      var from = page * pageSize, to = Math.min(view.length, from + pageSize);
      for (var i = from; i < to; i++) {
        var tr = el("tr");
        view[i].forEach(function (c) { tr.appendChild(el("td", null, c)); });
        tbody.appendChild(tr);
      }
      status.textContent = (view.length ? (from + 1) + "–" + to + " of " : "0 of ") + view.length + " rows" +
        (view.length !== rows.length ? " matching (" + rows.length + " in all)" : "") +
        (T.total > rows.length ? "; the table holds the first " + rows.length + " of " + T.total + " records" : "");
      document.getElementById("records-prev").disabled = page === 0;
      document.getElementById("records-next").disabled = to >= view.length;
    }
    document.getElementById("records-prev").addEventListener("click", function () { if (page > 0) { page--; show(); } });
    document.getElementById("records-next").addEventListener("click", function () { if ((page + 1) * pageSize < view.length) { page++; show(); } });
    if (filter) filter.addEventListener("input", apply);
    apply();
    ready("records", rows.length);
  }

  function init() {
    var blob = document.getElementById("report-data");
    if (!blob) return;
    var data = JSON.parse(blob.textContent);
    ["timeline-svg-box", "series-svg-box", "entities-svg-box"].forEach(function (id) {
      var b = document.getElementById(id);
      if (b) widths[id] = b.getBoundingClientRect().width;
    });
    window.addEventListener("resize", function () { widths = {}; });
    [timeline, proctree, series, map, graph, heatmap, records].forEach(function (view) {
      try { view(data); } catch (e) { if (window.console) console.error("hunch report view " + view.name + ": " + e); }
    });
    document.documentElement.setAttribute("data-report-ready", "1");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
