// hunch web UI: the only script besides the vendored htmx and cytoscape. No inline script is allowed (CSP), so
// everything the pages need from JavaScript is here.
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // htmx sends the session's CSRF token on every request that changes something.
  document.addEventListener("htmx:configRequest", function (ev) {
    var t = csrf();
    if (t) {
      ev.detail.headers["X-CSRF-Token"] = t;
    }
  });

  // Forms that empty themselves once htmx has sent them: <form data-reset>.
  document.addEventListener("htmx:afterRequest", function (ev) {
    var f = ev.detail.elt;
    if (f && f.matches && f.matches("form[data-reset]") && ev.detail.successful) {
      f.reset();
    }
  });

  // Buttons that ask before they act: <button data-confirm="…">.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-confirm]");
    if (b && !window.confirm(b.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });

  // "Select all" boxes on the free-text review page: <input type=checkbox data-check-all="name-prefix">.
  document.addEventListener("change", function (ev) {
    var all = ev.target.closest("[data-check-all]");
    if (!all) {
      return;
    }
    var prefix = all.getAttribute("data-check-all");
    document.querySelectorAll('input[type="checkbox"][name^="' + prefix + '"]').forEach(function (c) {
      c.checked = all.checked;
    });
  });

  // The correlation graph: <div id="graph" data-src="…/graph.json">.
  function drawGraph() {
    var el = document.getElementById("graph");
    if (!el || typeof cytoscape === "undefined") {
      return;
    }
    var status = document.getElementById("graph-status");
    fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("the graph could not be loaded (" + r.status + ")");
        }
        return r.json();
      })
      .then(function (g) {
        var elements = [];
        g.nodes.forEach(function (n) { elements.push({ group: "nodes", data: n }); });
        g.edges.forEach(function (e) { elements.push({ group: "edges", data: e }); });
        var cy = cytoscape({
          container: el,
          elements: elements,
          layout: { name: "breadthfirst", directed: true, roots: 'node[kind = "event"]', spacingFactor: 1.4, padding: 40, animate: false },
          maxZoom: 1.2,
          minZoom: 0.2,
          style: [
            { selector: "node", style: { label: "data(label)", "font-size": 11, color: "#1f2933", "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "ellipsis", "text-max-width": 160 } },
            { selector: 'node[kind = "event"]', style: { "background-color": "#b5472f", width: 34, height: 34 } },
            { selector: 'node[kind = "related"]', style: { "background-color": "#2f6fb5", width: 26, height: 26 } },
            { selector: 'node[kind = "value"]', style: { "background-color": "#8a8f98", shape: "round-rectangle", width: 14, height: 14 } },
            { selector: "edge", style: { width: 1.5, "line-color": "#c3c7ce", "curve-style": "bezier" } }
          ]
        });
        cy.on("tap", "node", function (ev) {
          var url = ev.target.data("url");
          if (url) {
            window.location.assign(url);
          }
        });
        el.setAttribute("data-ready", String(g.nodes.length));
        if (status) {
          status.textContent = g.nodes.length + " nodes, " + g.edges.length + " edges. Click an event to open it.";
        }
      })
      .catch(function (err) {
        if (status) {
          status.textContent = err.message;
        }
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawGraph);
  } else {
    drawGraph();
  }
})();
