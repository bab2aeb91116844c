/* symcheck's HTML page: step through the backward pass (trace page) or explore a check (check page).
 *
 * Everything shown comes from the JSON island #symcheck-data that symcheck wrote into the page;
 * the script loads nothing and sends nothing. The DOM contract (documented in docs/html.md):
 * the stepper carries data-current-step (the console trace's step number), every drawn node is
 * an SVG g[data-node] whose data-value and data-grad hold its value and its .grad right before
 * the current step, and the keys ← and → move one step.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("symcheck-data").textContent);
  var byName = new Map();
  data.nodes.forEach(function (node, index) { node.index = index; byName.set(node.name, node); });
  var maxLayer = data.nodes.reduce(function (m, n) { return Math.max(m, n.layer); }, 0);

  var shape = data.geometry;  // symcheck's own spacings (render/layout.py, render/svg.py)
  var LAYER_GAP = shape.layerGap, NODE_GAP = shape.nodeGap, END_RUN = shape.endRun, PORT_PITCH = shape.portPitch;
  var PORT_MARGIN = shape.portMargin, MARGIN = shape.margin;
  var NEIGHBOURS_PER_NODE = 6, NEIGHBOURHOOD_MAX = 48, SUM_CHARS = 18, FIT_AT_LEAST = 0.7, SIDE_SHARE = 0.6;
  var MATHML = "http://www.w3.org/1998/Math/MathML";

  // -- small helpers ------------------------------------------------------------------------

  function number(value) {
    if (value === null || value === undefined) { return null; }
    return typeof value === "string" ? Number(value) : value;
  }

  /* A number as symcheck prints it everywhere: Python's "%.6g". */
  function fmt(value) {
    var v = number(value);
    if (v === null) { return "-"; }
    if (Number.isNaN(v)) { return "nan"; }
    if (!Number.isFinite(v)) { return v > 0 ? "inf" : "-inf"; }
    if (v === 0) { return "0"; }
    var exp = v.toExponential(5);
    var parts = exp.split("e");
    var power = parseInt(parts[1], 10);
    var text;
    if (power < -4 || power >= 6) {
      var mantissa = parts[0].replace(/\.?0+$/, "");
      text = mantissa + "e" + (power < 0 ? "-" : "+") + String(Math.abs(power)).padStart(2, "0");
    } else {
      text = v.toFixed(Math.max(0, 5 - power)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
    }
    return text === "-0" ? "0" : text;
  }

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function cut(text, limit) {
    return text.length <= limit ? text : text.slice(0, limit - 1) + "…";
  }

  function math(inner, label) {
    return '<math xmlns="' + MATHML + '" aria-label="' + esc(label) + '">' + inner + "</math>";
  }

  function partial(of, wrt) {
    var top = of === "f" ? "<mi>f</mi>" : byName.get(of).nameMathml;
    return "<mfrac><mrow><mo>∂</mo>" + top + "</mrow><mrow><mo>∂</mo>" + byName.get(wrt).nameMathml + "</mrow></mfrac>";
  }

  function nodeButton(name) {
    return '<button type="button" class="node-link" data-goto="' + esc(name) + '">' + esc(name) + "</button>";
  }

  // -- a node's state before a step (trace page) ------------------------------------------------

  /* The timeline entry in force before step `stepNumber`: the first one recorded at or after it,
   * else the last one (see symcheck/render/page_data.py). */
  function stateOf(node, stepNumber) {
    var line = node.timeline || [];
    if (!line.length) {
      return { grad: number(node.grad), expected: null, sumText: "0", sumMathml: "<mn>0</mn>", pending: [], ok: true,
               unreached: true };
    }
    var lo = 0, hi = line.length - 1;
    if (line[hi][0] < stepNumber) { lo = hi; } else {
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (line[mid][0] >= stepNumber) { hi = mid; } else { lo = mid + 1; }
      }
    }
    var e = line[lo];
    return { grad: number(e[1]), expected: number(e[2]), sumText: e[3], sumMathml: e[4], pending: e[5], ok: e[6],
             unreached: false };
  }

  function sumMath(state) {
    return state.sumMathml ? math(state.sumMathml, state.sumText) : "<code>" + esc(state.sumText) + "</code>";
  }

  function statusText(node, state, step) {
    if (node.name === step.node) { return "▶ runs now"; }
    if (state.unreached) { return "not on a path to f"; }
    if (state.pending.length) { return cut("pending: " + state.pending.join(", "), SUM_CHARS); }
    return node.step !== null && node.step !== undefined && node.step < step.n ? "done" : "complete";
  }

  // contributions by wire: what each step adds to its operands
  var contributions = new Map();
  (data.steps || []).forEach(function (step) {
    step.adds.forEach(function (add) { contributions.set(add.target + "\u0001" + step.node, { step: step, add: add }); });
  });

  // -- drawing nodes and wires ---------------------------------------------------------------------

  var graphSvg = document.querySelector("#graph svg.symcheck-graph");
  var nodeEls = new Map(), wireEls = [];

  function collect() {
    nodeEls = new Map();
    wireEls = [];
    if (!graphSvg) { return; }
    graphSvg.querySelectorAll("g[data-node]").forEach(function (g) { nodeEls.set(g.getAttribute("data-node"), g); });
    graphSvg.querySelectorAll("g.wire").forEach(function (g) { wireEls.push(g); });
  }

  function setText(g, selector, text) {
    var el = g.querySelector(selector);
    if (el && el.textContent !== text) { el.textContent = text; }
  }

  function updateNode(g, node, step) {
    var state = stateOf(node, step.n);
    var receiving = step.adds.some(function (a) { return a.target === node.name; });
    g.setAttribute("data-grad", String(state.grad));
    setText(g, ".node-grad", "grad  " + fmt(state.grad) + (state.ok ? "" : " ✗"));
    setText(g, ".node-sum", cut("= " + state.sumText, SUM_CHARS));
    var status = statusText(node, state, step);
    setText(g, ".node-status", status);
    g.classList.toggle("current", node.name === step.node);
    g.classList.toggle("receiving", receiving);
    g.classList.toggle("pending", state.pending.length > 0 && node.name !== step.node);
    g.classList.toggle("disagree", !state.ok);
    g.setAttribute("aria-label", node.name + " = " + node.formula + ", value " + fmt(node.value) + ", grad " +
      fmt(state.grad) + " before step " + step.n + " (" + status + ")" + (state.ok ? "" : ", disagrees with the chain rule"));
  }

  function updateWire(g, step) {
    var source = g.getAttribute("data-source"), target = g.getAttribute("data-target");
    var found = contributions.get(source + "\u0001" + target);
    var lit = target === step.node;
    var arrived = found && found.step.n < step.n;
    g.classList.toggle("lit", lit);
    g.classList.toggle("waiting", !lit && !arrived);
    setText(g, ".wire-grad", (lit || arrived) && found ? fmt(found.add.value) : "");
  }

  function wirePath(points) {
    var d = "M" + points[0][0].toFixed(1) + "," + points[0][1].toFixed(1);
    var end = points[points.length - 1], at = points[0];
    var bend = [end[0] - END_RUN, end[1]];
    var mid = (at[0] + bend[0]) / 2;
    d += " C" + mid.toFixed(1) + "," + at[1].toFixed(1) + " " + mid.toFixed(1) + "," + bend[1].toFixed(1) + " " +
      bend[0].toFixed(1) + "," + bend[1].toFixed(1);
    return d + " L" + (end[0] - 5).toFixed(1) + "," + end[1].toFixed(1);
  }

  function wireMarkup(wire, from, to) {
    var label = to[0] - 8;
    var local = wire.local === null ? "" : "∂ " + fmt(wire.local);
    var gradient = data.mode === "check" && wire.gradient !== null ? fmt(wire.gradient) : "";
    return '<g class="wire' + (wire.suspect ? " suspect" : "") + '" data-source="' + esc(wire.source) + '" data-target="' + esc(wire.target) + '">' +
      "<title>" + esc(wire.source + " → " + wire.target + "\nforward: " + fmt(wire.value) +
        (wire.local === null ? "" : "\nlocal partial ∂" + wire.target + "/∂" + wire.source + " = " + fmt(wire.local))) +
      '</title><path class="wire-line" d="' + wirePath([from, to]) + '"/>' +
      '<path class="wire-head" d="M' + to[0].toFixed(1) + "," + to[1].toFixed(1) + ' l-7,-3.5 v7 z"/>' +
      '<text class="wire-value" x="' + label.toFixed(1) + '" y="' + (to[1] - 4).toFixed(1) + '" text-anchor="end">' +
      esc(fmt(wire.value)) + "</text>" +
      '<text class="wire-grad" x="' + label.toFixed(1) + '" y="' + (to[1] + 12).toFixed(1) + '" text-anchor="end">' +
      esc(gradient) + "</text>" +
      '<text class="wire-local" x="' + label.toFixed(1) + '" y="' + (to[1] + 23).toFixed(1) + '" text-anchor="end">' +
      esc(local) + "</text></g>";
  }

  /* The nodes around `center`: its operands and consumers, and each operand's other consumers. */
  function neighbourhood(center) {
    var chosen = [center], seen = new Set(chosen);
    function add(name) {
      if (!seen.has(name) && chosen.length < NEIGHBOURHOOD_MAX) { seen.add(name); chosen.push(name); }
    }
    var node = byName.get(center);
    node.operands.forEach(add);
    node.consumers.slice(0, NEIGHBOURS_PER_NODE * 2).forEach(add);
    node.operands.forEach(function (o) { byName.get(o).consumers.slice(0, NEIGHBOURS_PER_NODE).forEach(add); });
    return chosen;
  }

  /* A small layered picture of `names`: their layers compressed into adjacent columns, each column
   * in the order of the whole graph's layout, so the view matches the minimap. */
  function localLayout(names) {
    var columns = new Map();
    names.forEach(function (name) {
      var node = byName.get(name);
      if (!columns.has(node.layer)) { columns.set(node.layer, []); }
      columns.get(node.layer).push(node);
    });
    var layers = Array.from(columns.keys()).sort(function (a, b) { return a - b; });
    var boxes = new Map(), x = MARGIN, height = 0, heights = [];
    layers.forEach(function (layer) {
      var column = columns.get(layer).sort(function (a, b) { return a.y - b.y || a.index - b.index; });
      var total = column.reduce(function (s, n) { return s + n.h; }, 0) + NODE_GAP * (column.length - 1);
      heights.push(total);
      height = Math.max(height, total);
    });
    layers.forEach(function (layer, k) {
      var column = columns.get(layer);
      var width = column.reduce(function (m, n) { return Math.max(m, n.w); }, 0);
      var y = MARGIN + (height - heights[k]) / 2;
      column.forEach(function (node) {
        boxes.set(node.name, { x: x + (width - node.w) / 2, y: y, w: node.w, h: node.h });
        y += node.h + NODE_GAP;
      });
      x += width + LAYER_GAP;
    });
    return { boxes: boxes, width: x - LAYER_GAP + MARGIN, height: height + 2 * MARGIN };
  }

  function ports(wires, boxes, outgoing) {
    var by = new Map();
    wires.forEach(function (wire, k) {
      var end = outgoing ? wire.source : wire.target, other = outgoing ? wire.target : wire.source;
      if (!by.has(end)) { by.set(end, []); }
      by.get(end).push([boxes.get(other).y + boxes.get(other).h / 2, k]);
    });
    var at = new Map();
    by.forEach(function (list, end) {
      var box = boxes.get(end);
      list.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      var room = list.length > 1 ? (box.h - 2 * PORT_MARGIN) / (list.length - 1) : PORT_PITCH;
      var pitch = Math.min(PORT_PITCH, room);
      list.forEach(function (item, i) { at.set(item[1], box.y + box.h / 2 + (i - (list.length - 1) / 2) * pitch); });
    });
    return at;
  }

  function nodeMarkup(node, box) {
    var focus = ' tabindex="0" role="button"';
    return '<g class="' + node.classes + '" data-node="' + esc(node.name) + '" data-value="' + String(number(node.value)) +
      '" data-grad="' + String(number(node.grad)) + '" transform="translate(' + box.x.toFixed(1) + "," + box.y.toFixed(1) +
      ')"' + focus + ' aria-label="' + esc(node.name) + '">' + node.box + "</g>";
  }

  /* Big graphs: draw only the neighbourhood of `center` (the whole graph is on the minimap). */
  function drawNeighbourhood(center) {
    var names = neighbourhood(center), set = new Set(names);
    var lay = localLayout(names);
    var wires = data.wires.filter(function (w) { return set.has(w.source) && set.has(w.target); });
    var outs = ports(wires, lay.boxes, true), ins = ports(wires, lay.boxes, false);
    var parts = [];
    wires.forEach(function (wire, k) {
      var a = lay.boxes.get(wire.source), b = lay.boxes.get(wire.target);
      parts.push(wireMarkup(wire, [a.x + a.w, outs.get(k)], [b.x, ins.get(k)]));
    });
    var hidden = 0;
    names.forEach(function (name) {
      var node = byName.get(name);
      hidden += node.operands.filter(function (o) { return !set.has(o); }).length;
    });
    var nodesMarkup = names.map(function (name) { return nodeMarkup(byName.get(name), lay.boxes.get(name)); });
    var width = Math.ceil(lay.width), height = Math.ceil(lay.height) + 18;
    drawn = { width: width, height: height };
    graphSvg.setAttribute("viewBox", "0 0 " + width + " " + height);
    graphSvg.innerHTML = '<g class="wires">' + parts.join("") + '</g><g class="nodes">' + nodesMarkup.join("") + "</g>" +
      '<text class="more" x="' + MARGIN + '" y="' + (height - 6) + '">the ' + names.length + " nodes around " +
      esc(center) + " of " + data.nodes.length + (hidden ? "; wires from " + hidden + " operands outside this view not drawn" : "") +
      "</text>";
    collect();
    arrange();
  }

  // -- the minimap (big graphs) ---------------------------------------------------------------

  var minimap = document.getElementById("minimap");
  var miniPoints = [];

  function miniPlace() {
    if (!minimap) { return; }
    var w = minimap.clientWidth || 320, h = minimap.clientHeight || 150, ratio = window.devicePixelRatio || 1;
    minimap.width = Math.round(w * ratio);
    minimap.height = Math.round(h * ratio);
    backdrop = null;
    miniPoints = data.nodes.map(function (node) {
      var x = 4 + (maxLayer ? node.layer / maxLayer : 0.5) * (w - 8);
      var y = 4 + ((node.y + node.h / 2) / data.height) * (h - 8);
      return [x, y];
    });
  }

  var colors = null, backdrop = null;  // read once (and again when the colour scheme changes)

  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
  }

  /* Every node as a dot, failing ones red: drawn once into an offscreen canvas, copied at each step. */
  function miniBackdrop() {
    colors = { faint: cssColor("--faint"), bad: cssColor("--bad"), lit: cssColor("--lit"), current: cssColor("--current-line") };
    backdrop = document.createElement("canvas");
    backdrop.width = minimap.width;
    backdrop.height = minimap.height;
    var ctx = backdrop.getContext("2d"), ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = colors.faint;
    data.nodes.forEach(function (node, i) { ctx.fillRect(miniPoints[i][0] - 1, miniPoints[i][1] - 1, 2, 2); });
    ctx.fillStyle = colors.bad;
    data.nodes.forEach(function (node, i) { if (!node.ok) { ctx.fillRect(miniPoints[i][0] - 2, miniPoints[i][1] - 2, 4, 4); } });
  }

  function miniDraw(center, around) {
    if (!minimap) { return; }
    if (!backdrop) { miniBackdrop(); }
    var ctx = minimap.getContext("2d"), ratio = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, minimap.width, minimap.height);
    ctx.drawImage(backdrop, 0, 0);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = colors.lit;
    around.forEach(function (name) { var p = miniPoints[byName.get(name).index]; ctx.fillRect(p[0] - 2, p[1] - 2, 4, 4); });
    var c = miniPoints[byName.get(center).index];
    ctx.strokeStyle = colors.current;
    ctx.lineWidth = 2;
    ctx.strokeRect(c[0] - 5, c[1] - 5, 10, 10);
  }

  function nearestNode(event, usable) {
    var rect = minimap.getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
    var best = null, bestDistance = Infinity;
    data.nodes.forEach(function (node, i) {
      if (!usable(node)) { return; }
      var dx = miniPoints[i][0] - x, dy = miniPoints[i][1] - y, d = dx * dx + dy * dy;
      if (d < bestDistance) { bestDistance = d; best = node; }
    });
    return best;
  }

  // -- the trace page ---------------------------------------------------------------------------

  var stepper = document.getElementById("stepper");
  var slider = document.getElementById("slider");
  var stepLabel = document.getElementById("step-label");
  var panel = document.getElementById("panel");
  var current = 0;

  function stepTitle(step) {
    return "step " + step.n + " of " + data.stepCount + ": before " + step.node + "._backward()";
  }

  function addsTable(step, next) {
    if (!step.adds.length) {
      return '<p class="note">' + esc(step.node) + " is an input: its step adds nothing.</p>";
    }
    var rows = step.adds.map(function (add) {
      var node = byName.get(add.target), before = stateOf(node, step.n);
      var after = next ? stateOf(node, next.n).grad : before.grad + number(add.value);
      var chain = math(partial("f", step.node) + "<mo>\u2062</mo>" + partial(step.node, add.target),
                       "∂f/∂" + step.node + "·∂" + step.node + "/∂" + add.target);
      var term = add.termMathml ? math(add.termMathml, add.term) : "<code>" + esc(add.term) + "</code>";
      var local = add.localMathml && add.localMathml.indexOf("<mn>") !== 0 ?
        '<div class="local">local ' + math(partial(step.node, add.target), "∂" + step.node + "/∂" + add.target) + " = " +
        math(add.localMathml, "local partial") + "</div>" : "";
      return '<tr data-target="' + esc(add.target) + '"><td><code>' + esc(add.target) + ".grad +=</code></td><td>" + chain +
        " = " + term + local + '</td><td class="num">' + fmt(add.upstream) + " × " + fmt(add.local) +
        ' = <span class="contribution">' + fmt(add.value) + '</span></td><td class="num before-after">' +
        fmt(before.grad) + " → " + fmt(after) + "</td></tr>";
    });
    return '<table class="adds-table"><thead><tr><th scope="col">grad</th><th scope="col">the chain rule\'s term</th>' +
      '<th scope="col">upstream × local = added</th><th scope="col">before → after</th></tr></thead><tbody>' +
      rows.join("") + "</tbody></table>";
  }

  function gradsTable(step, names) {
    var rows = names.map(function (name) {
      var node = byName.get(name), state = stateOf(node, step.n);
      var cls = name === step.node ? "current-row" : step.adds.some(function (a) { return a.target === name; }) ? "receiving-row" : "";
      var engine = fmt(state.grad) + (state.ok ? "" : ' <span class="bad" title="the chain rule says ' + fmt(state.expected) + '">✗</span>');
      return '<tr class="' + cls + '"><th scope="row">' + nodeButton(name) + '</th><td class="num">' + engine + "</td><td>" +
        sumMath(state) + '</td><td class="state">' + esc(statusText(node, state, step)) + "</td></tr>";
    });
    return '<table class="grads"><thead><tr><th scope="col">node</th><th scope="col"><code>.grad</code></th>' +
      '<th scope="col">the chain rule so far</th><th scope="col">state</th></tr></thead><tbody>' + rows.join("") +
      "</tbody></table>";
  }

  function renderPanel(step, next, names) {
    var node = byName.get(step.node), state = stateOf(node, step.n);
    var bad = step.ok ? "" : ' <span class="bad">✗ the engine\'s grads disagree with the chain rule before this step</span>';
    panel.innerHTML =
      "<h2>Step " + step.n + " of " + data.stepCount + " <small>before <code>" + esc(step.node) + "._backward()</code></small></h2>" +
      "<p><code>" + esc(step.describe) + "</code>" + bad + "</p>" +
      '<p class="answer">' + math(partial("f", step.node), "∂f/∂" + step.node) + " = <code>" + esc(step.node) +
      ".grad</code> = " + sumMath(state) + " = <b class=\"num\">" + fmt(state.grad) + "</b> (complete)</p>" +
      '<div class="panel-columns"><div><h3>What <code>' + esc(step.node) + "._backward()</code> adds</h3>" +
      addsTable(step, next) + "</div><div><h3>Every <code>.grad</code> right before this step</h3>" +
      (data.big ? '<p class="note">The nodes around ' + esc(step.node) + " (the graph has " + data.nodes.length + ").</p>" : "") +
      gradsTable(step, names) + "</div></div>";
  }

  function scrollIntoPane(name) {
    var pane = document.querySelector(".graph-scroll"), node = byName.get(name), g = nodeEls.get(name);
    if (!pane || !g || data.big) { return; }
    var x = node.x * scale, y = node.y * scale, w = node.w * scale, h = node.h * scale;
    if (x < pane.scrollLeft || x + w > pane.scrollLeft + pane.clientWidth) {
      pane.scrollLeft = Math.max(0, x - pane.clientWidth / 2 + w / 2);
    }
    if (y < pane.scrollTop || y + h > pane.scrollTop + pane.clientHeight) {
      pane.scrollTop = Math.max(0, y - pane.clientHeight / 2 + h / 2);
    }
  }

  function goStep(index) {
    var steps = data.steps;
    index = Math.max(0, Math.min(steps.length - 1, index));
    current = index;
    var step = steps[index], next = steps[index + 1];
    stepper.setAttribute("data-current-step", String(step.n));
    slider.value = String(index);
    slider.setAttribute("aria-valuetext", stepTitle(step));
    stepLabel.textContent = stepTitle(step);
    stepper.querySelector('[data-go="first"]').disabled = index === 0;
    stepper.querySelector('[data-go="prev"]').disabled = index === 0;
    stepper.querySelector('[data-go="next"]').disabled = index === steps.length - 1;
    stepper.querySelector('[data-go="last"]').disabled = index === steps.length - 1;
    var names;
    if (data.big) {
      drawNeighbourhood(step.node);
      names = neighbourhood(step.node);
      miniDraw(step.node, names);
    } else {
      names = data.nodes.map(function (n) { return n.name; });
    }
    nodeEls.forEach(function (g, name) { updateNode(g, byName.get(name), step); });
    wireEls.forEach(function (g) { updateWire(g, step); });
    renderPanel(step, next, names);
    scrollIntoPane(step.node);
    if (typeof reportHeight === "function") { reportHeight(); }
    rememberStep(step.n);
  }

  /* The address remembers the step (#step=N), written once stepping pauses: the browser's
   * history call takes milliseconds, too slow to make at every step. */
  var remembering = null;
  function rememberStep(number) {
    clearTimeout(remembering);
    remembering = setTimeout(function () {
      try { history.replaceState(null, "", "#step=" + number); } catch (ignored) { /* about:srcdoc, sandboxes */ }
    }, 400);
  }

  function stepIndexOf(name) {
    for (var i = 0; i < data.steps.length; i++) { if (data.steps[i].node === name) { return i; } }
    return -1;
  }

  function startTrace() {
    if (!data.steps.length) {  // a trace filtered down to no step: the graph, and nothing to step through
      stepper.querySelectorAll("button, input").forEach(function (control) { control.disabled = true; });
      panel.innerHTML = '<p class="note">This trace kept no step (its steps were filtered out): trace it again ' +
        "without a filter to step through its " + data.stepCount + " steps.</p>";
      return;
    }
    slider.min = "0";
    slider.max = String(data.steps.length - 1);
    stepper.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-go]");
      if (!button) { return; }
      var go = button.getAttribute("data-go");
      goStep(go === "first" ? 0 : go === "last" ? data.steps.length - 1 : current + (go === "next" ? 1 : -1));
    });
    slider.addEventListener("input", function () { goStep(parseInt(slider.value, 10)); });
    document.addEventListener("keydown", function (event) {
      var tag = event.target.tagName;
      if (event.altKey || event.ctrlKey || event.metaKey || event.target === slider ||
          tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
      var moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: data.steps.length - 1 };
      if (event.key in moves) { event.preventDefault(); goStep(moves[event.key]); }
    });
    function jump(name) { var i = stepIndexOf(name); if (i >= 0) { goStep(i); } }
    bindNodeActivation(jump);
    if (minimap) {
      minimap.addEventListener("click", function (event) {
        var node = nearestNode(event, function (n) { return n.step !== null && n.step !== undefined; });
        if (node) { jump(node.name); }
      });
    }
    bindFinder(jump);
    var match = /step=(\d+)/.exec(location.hash || "");
    var wanted = match ? parseInt(match[1], 10) : data.start, start = 0;
    data.steps.forEach(function (s, i) { if (s.n === wanted) { start = i; } });
    goStep(start);
  }

  // -- the check page ---------------------------------------------------------------------------

  function choose(name) {
    if (data.big) {
      drawNeighbourhood(name);
      miniDraw(name, neighbourhood(name));
    }
    nodeEls.forEach(function (g, n) { g.classList.toggle("chosen", n === name); });
    document.querySelectorAll("tr[data-row]").forEach(function (row) {
      row.classList.toggle("chosen-row", row.getAttribute("data-row") === name);
    });
    document.querySelectorAll("[data-derivation]").forEach(function (table) {
      table.classList.toggle("chosen", table.getAttribute("data-derivation") === name);
    });
    var row = document.querySelector('tr[data-row="' + CSS.escape(name) + '"]');
    if (row) { row.scrollIntoView({ block: "nearest" }); }
    var pane = document.getElementById("graph");
    if (data.big && pane.getBoundingClientRect().bottom < 0) { pane.scrollIntoView({ block: "nearest" }); }
    var info = document.getElementById("chosen");
    if (info) { info.textContent = "chosen: " + name; }
  }

  function startCheck() {
    bindNodeActivation(choose);
    document.addEventListener("click", function (event) {  // a click anywhere on a row, not only its name
      var row = event.target.closest("tr[data-row]");
      if (row && !event.target.closest("g[data-node], button[data-goto]")) { choose(row.getAttribute("data-row")); }
    });
    if (minimap) {
      minimap.addEventListener("click", function (event) {
        var node = nearestNode(event, function () { return true; });
        if (node) { choose(node.name); }
      });
    }
    bindFinder(choose);
    if (data.big) { choose(data.focus); }
  }

  // -- shared wiring ----------------------------------------------------------------------------

  var activate = null;

  function bindNodeActivation(action) {
    activate = action;
    var pane = document.getElementById("graph");
    pane.addEventListener("click", function (event) {
      var g = event.target.closest("g[data-node]");
      if (g) { activate(g.getAttribute("data-node")); }
    });
    pane.addEventListener("keydown", function (event) {
      var g = event.target.closest && event.target.closest("g[data-node]");
      if (g && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); activate(g.getAttribute("data-node")); }
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-goto]");
      if (button) { activate(button.getAttribute("data-goto")); }
    });
  }

  function bindFinder(action) {
    var finder = document.getElementById("finder");
    if (!finder) { return; }
    finder.addEventListener("change", function () {
      if (byName.has(finder.value)) { action(finder.value); }
    });
  }

  /* Inside Jupyter the page sits in an iframe named by the display; it tells the display its height. */
  function reportHeight() {
    if (window.parent === window || !window.name) { return; }
    try {
      window.parent.postMessage({ symcheckFrame: window.name, height: document.documentElement.scrollHeight }, "*");
    } catch (ignored) { /* a parent that refuses messages keeps the default height */ }
  }

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });

  /* The picture at its size, or shrunk to the pane's width when that keeps it readable; beside
   * the panel when it is narrow enough, above it otherwise. */
  var scale = 1, drawn = { width: 0, height: 0 }, room = null;
  function arrange() {
    var main = document.querySelector("main"), pane = document.querySelector(".graph-scroll");
    if (!main || !pane || !graphSvg) { return; }
    if (room === null) { room = pane.clientWidth - 2; }  // measured once per resize: stepping never waits for layout
    var natural = data.big ? drawn.width : data.width, tall = data.big ? drawn.height : data.height;
    if (!data.big) {
      var side = natural + 40 <= window.innerWidth * SIDE_SHARE;
      main.classList.toggle("side", side);
      main.style.gridTemplateColumns = side ? (natural + 4) + "px minmax(24rem, 1fr)" : "";
    }
    scale = natural > room && room / natural >= FIT_AT_LEAST ? room / natural : 1;
    graphSvg.setAttribute("width", String(Math.floor(natural * scale)));
    graphSvg.setAttribute("height", String(Math.floor(tall * scale)));
  }

  collect();
  arrange();
  miniPlace();
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      backdrop = null;
      if (data.mode === "trace") { goStep(current); }
    });
  }
  window.addEventListener("resize", function () {
    room = null;
    arrange();
    miniPlace();
    if (data.mode === "trace") { goStep(current); }
  });
  if (data.mode === "trace") { startTrace(); } else { startCheck(); }
  document.documentElement.setAttribute("data-ready", "true");
  reportHeight();
  window.addEventListener("load", reportHeight);
})();
