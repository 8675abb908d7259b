// The step-through player: reads the embedded trace (format "stepgrad.trace", version 1) and the
// pictures, and shows one step at a time. Everything a step shows is computed from the trace by
// small pure functions (revealedAt, cardOf), so another mode (say, hiding a number and asking
// for it) only needs to change how a card is drawn. Labels are always inserted as text.
(function () {
  "use strict";

  const trace = JSON.parse(document.getElementById("stepgrad-trace").textContent);
  const views = JSON.parse(document.getElementById("stepgrad-views").textContent);
  const steps = trace.steps;
  const langs = trace.langs && trace.langs.length ? trace.langs : ["en"];

  // --- words of the page itself ------------------------------------------------------------
  const WORDS = {
    en: {
      forward: "forward", loss: "error", backward: "backward", update: "update", after: "after the update",
      step: "Step {0} of {1}", first: "First step (Home)", prev: "Previous step (←)", next: "Next step (→)",
      last: "Last step (End)", play: "Play / pause (Space)", scrubber: "Step", zoom: "Actual size / fit",
      keys: "← → step · Home End · Space plays · click or Enter on a node for its steps",
      nodeForward: "value", nodeGrad: "gradient", nodeUpdate: "update", nodeAfter: "after the update", noSteps: "no step computes this node",
      layout: "Laying out the graph…", layoutFailed: "The graph could not be laid out: {0}",
      graph: "Computation graph", network: "Network",
    },
    zh: {
      forward: "前向传播", loss: "误差", backward: "反向传播", update: "更新", after: "更新之后",
      step: "第 {0} 步，共 {1} 步", first: "第一步（Home）", prev: "上一步（←）", next: "下一步（→）",
      last: "最后一步（End）", play: "播放 / 暂停（空格）", scrubber: "步骤", zoom: "原始大小 / 适应窗口",
      keys: "← → 逐步 · Home End · 空格播放 · 点击节点或按 Enter 查看它的步骤",
      nodeForward: "值", nodeGrad: "梯度", nodeUpdate: "更新", nodeAfter: "更新之后", noSteps: "没有步骤计算这个节点",
      layout: "正在排布计算图……", layoutFailed: "计算图无法排布：{0}",
      graph: "计算图", network: "网络",
    },
  };
  const fill = (template, ...args) => template.replace(/\{(\d)\}/g, (_, k) => String(args[+k]));

  // --- what is known when: the first step revealing each value -----------------------------
  // revealedAt.data.get("v7") is the index of the step from which v7's value may be shown.
  const revealedAt = { data: new Map(), grad: new Map(), updated: new Map(), after: new Map(), local: new Map() };
  steps.forEach((step, i) => {
    for (const field of ["data", "grad", "updated", "after"]) {
      for (const id of (step.reveals && step.reveals[field]) || []) {
        if (!revealedAt[field].has(id)) revealedAt[field].set(id, i);
      }
    }
    // A local derivative is known once a backward step has used its edge.
    if (step.phase === "backward") {
      for (const id of step.edges || []) if (!revealedAt.local.has(id)) revealedAt.local.set(id, i);
    }
  });
  const known = (field, id, index) => revealedAt[field].has(id) && revealedAt[field].get(id) <= index;
  const nodeById = new Map(trace.nodes.map((n) => [n.id, n]));
  const edgeById = new Map(trace.edges.map((e) => [e.id, e]));

  // The number as the picture draws it: 4 significant digits, as Python's format(x, ".4g").
  function short(x) {
    if (x === null || x === undefined) return "";
    if (!Number.isFinite(x)) return String(x);
    if (x === 0) return "0";
    const exponent = Math.floor(Math.log10(Math.abs(x)));
    if (exponent < -4 || exponent >= 4) {
      const [mantissa, exp] = x.toExponential(3).split("e");
      const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
      const e = Number(exp);
      return `${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
    }
    return String(Number(x.toPrecision(4)));
  }

  // The value a slot of the picture shows at step `index` ("" while not yet computed).
  function slotText(slot, index) {
    if (slot.field === "local") {
      return known("local", slot.edge, index) ? short(edgeById.get(slot.edge).local) : "";
    }
    const node = nodeById.get(slot.node);
    const field = slot.field === "data+updated" ? "data" : slot.field;
    if (!known(field, slot.node, index)) return "";
    let text = short(node[field]);
    // "data+updated": the value, then what it becomes: a parameter's update, or any node's value
    // in the forward pass after the update.
    if (slot.field === "data+updated") {
      if (known("updated", slot.node, index)) text += ` → ${short(node.updated)}`;
      else if (known("after", slot.node, index)) text += ` → ${short(node.after)}`;
    }
    return text;
  }

  // The card of a step, as data: what a quiz mode would change is only how this is drawn.
  function cardOf(index, lang) {
    const step = steps[index];
    const pick = (words) => (words ? words[lang] || words[langs[0]] || "" : "");
    return { phase: step.phase, title: pick(step.title), note: pick(step.note), lines: step.lines || [] };
  }

  function cardText(index, lang) {
    const card = cardOf(index, lang);
    const words = WORDS[lang] || WORDS.en;
    const head = `${words[card.phase] || card.phase}: ${card.title}`;
    return [head, ...card.lines.map((line) => line.text), card.note].filter(Boolean).join("\n");
  }

  // --- the page --------------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const state = { index: 0, lang: langs[0], view: 0, playing: null, actual: false, panelNode: null };
  const prepared = []; // per view: {root, slots: [{el, prefix, slot}], byNode: Map(trace id -> elements)}

  function prepareView(view, svgText) {
    const holder = document.createElement("div");
    holder.className = "view";
    holder.innerHTML = svgText; // Graphviz's SVG: labels in it are XML-escaped text
    const svg = holder.querySelector("svg");
    // Fitted to the pane by default; the drawn size (in pt) is kept for the actual-size mode.
    svg.dataset.width = svg.getAttribute("width") || "";
    svg.dataset.height = svg.getAttribute("height") || "";
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    const slots = [];
    for (const slot of view.slots) {
      const el = holder.querySelector(`[id="${CSS.escape(slot.element)}"]`);
      if (!el) continue;
      // The last match: a label row drawn above the numbers may start with the same words.
      const text = [...el.querySelectorAll("text")].reverse().find((t) => t.textContent.startsWith(slot.prefix));
      if (text) slots.push({ text, element: el, prefix: slot.prefix, slot, last: null });
    }
    const byNode = new Map();
    const elements = new Map();
    for (const [elementId, nodeIds] of Object.entries(view.map)) {
      const el = holder.querySelector(`[id="${CSS.escape(elementId)}"]`);
      if (!el) continue;
      elements.set(elementId, el);
      for (const id of nodeIds) {
        if (!byNode.has(id)) byNode.set(id, []);
        byNode.get(id).push(el);
      }
      if (el.classList.contains("node")) {
        const names = nodeIds.map((id) => nodeById.get(id)).filter(Boolean).map((n) => n.name || n.op || n.id);
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "button");
        el.setAttribute("aria-label", names.join(", "));
        const open = () => showNodePanel(nodeIds, true);
        el.addEventListener("click", open);
        el.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            event.stopPropagation();
            open();
          }
        });
      }
    }
    const edges = new Map();
    for (const id of edgeById.keys()) {
      const el = holder.querySelector(`[id="${CSS.escape(id)}"]`);
      if (el) edges.set(id, el);
    }
    return { holder, slots, byNode, elements, edges, view };
  }

  // A number longer than the one laid out ("0.4 → 0.3589") is squeezed into its box, from its left.
  function fit(text, element) {
    if (text.dataset.x === undefined) {
      text.dataset.x = text.getAttribute("x");
      text.dataset.anchor = text.getAttribute("text-anchor") || "";
    }
    text.removeAttribute("textLength");
    text.removeAttribute("lengthAdjust");
    text.setAttribute("x", text.dataset.x);
    text.setAttribute("text-anchor", text.dataset.anchor);
    if (!element.classList.contains("node") || !text.isConnected) return;
    const boxes = [...element.querySelectorAll("polygon, ellipse")].map((shape) => shape.getBBox());
    const box = boxes.reduce((a, b) => (b.width > a.width ? b : a), { x: 0, width: 0 });
    if (box.width > 6 && text.getComputedTextLength() > box.width - 6) {
      text.setAttribute("x", String(box.x + 3));
      text.setAttribute("text-anchor", "start");
      text.setAttribute("textLength", String(box.width - 6));
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  }

  function paintView(p, index) {
    const step = steps[index];
    for (const s of p.slots) {
      const value = slotText(s.slot, index);
      if (value !== s.last) {
        s.text.textContent = s.prefix + value;
        s.last = value;
        fit(s.text, s.element);
      }
    }
    // Faded until a value it stands for is known.
    for (const [elementId, el] of p.elements) {
      el.classList.toggle("pending", !p.view.map[elementId].some((id) => known("data", id, index)));
    }
    for (const el of p.holder.querySelectorAll(".active, .current")) el.classList.remove("active", "current");
    (step.nodes || []).forEach((id, k) => {
      for (const el of p.byNode.get(id) || []) el.classList.add(k === 0 ? "current" : "active");
    });
    for (const id of step.edges || []) {
      const el = p.edges.get(id);
      if (el) el.classList.add("active");
    }
  }

  function render() {
    const index = state.index;
    const lang = state.lang;
    const words = WORDS[lang] || WORDS.en;
    const card = cardOf(index, lang);
    document.documentElement.lang = lang;
    const phase = $("phase");
    phase.textContent = words[card.phase] || card.phase;
    phase.className = `phase ${card.phase}`;
    $("position").textContent = fill(words.step, index + 1, steps.length); // people count from 1
    $("step-title").textContent = card.title;
    $("note").textContent = card.note;
    const lines = $("lines");
    lines.replaceChildren();
    for (const line of card.lines) {
      const div = document.createElement("div");
      div.className = "line";
      renderMaths(line, div);
      lines.appendChild(div);
    }
    $("scrubber").value = String(index);
    $("first").disabled = $("prev").disabled = index === 0;
    $("last").disabled = $("next").disabled = index === steps.length - 1;
    const p = prepared[state.view];
    if (p) {
      paintView(p, index);
      const current = p.byNode.get((steps[index].nodes || [])[0]);
      if (current && state.actual) centre(current[0]);
    }
    if (state.panelNode) showNodePanel(state.panelNode);
    const hash = `#step=${index + 1}`; // as the position reads: #step=1 is the first step
    if (location.hash !== hash) {
      try {
        history.replaceState(null, "", hash);
      } catch (error) {
        // a sandboxed frame (Jupyter's srcdoc) may refuse; the step is still shown
      }
    }
  }

  // Scroll the picture (not the page) so that an element is in the middle of it.
  function centre(element) {
    const pane = $("graph-pane");
    const box = element.getBoundingClientRect();
    const view = pane.getBoundingClientRect();
    pane.scrollLeft += box.left + box.width / 2 - (view.left + view.width / 2);
    pane.scrollTop += box.top + box.height / 2 - (view.top + view.height / 2);
  }

  function setActualSize(actual) {
    state.actual = actual;
    $("graph").classList.toggle("actual", actual);
    $("zoom").setAttribute("aria-pressed", String(actual));
    $("zoom").textContent = actual ? "⤢" : "1:1";
    for (const svg of $("graph").querySelectorAll("svg")) {
      svg.style.width = actual ? svg.dataset.width : "";
      svg.style.height = actual ? svg.dataset.height : "";
    }
  }

  // A line as rendered maths (KaTeX), or as its plain text when KaTeX is missing or refuses.
  function renderMaths(line, element) {
    if (window.katex && line.latex) {
      try {
        window.katex.render(line.latex, element, { throwOnError: true, trust: false, strict: "ignore" });
        element.setAttribute("aria-label", line.text);
        return;
      } catch (error) {
        // fall through to the text
      }
    }
    element.textContent = line.text;
  }

  // The steps of the nodes an element stands for. `focus`: move the keyboard focus into the list
  // (on opening it); a list rebuilt on a new step keeps the focus on the same entry.
  function showNodePanel(nodeIds, focus) {
    state.panelNode = nodeIds;
    const words = WORDS[state.lang] || WORDS.en;
    const panel = $("node-panel");
    const list = $("node-steps");
    const buttons = [...list.querySelectorAll("button")];
    const focused = focus ? 0 : buttons.indexOf(document.activeElement);
    list.replaceChildren();
    $("node-name").textContent = nodeIds.map((id) => (nodeById.get(id) || {}).name || id).join(" · ");
    for (const id of nodeIds) {
      const fields = [["data", "nodeForward"], ["grad", "nodeGrad"], ["updated", "nodeUpdate"], ["after", "nodeAfter"]];
      for (const [field, word] of fields) {
        if (!revealedAt[field].has(id)) continue;
        if (field === "after" && revealedAt.updated.has(id)) continue; // a parameter: the same number
        const at = revealedAt[field].get(id);
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        const kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = `${words[word]} · ${at + 1}`;
        const first = (steps[at].lines || [])[0];
        button.append(kind, document.createTextNode(first ? first.text : ""));
        if (at === state.index) button.setAttribute("aria-current", "step");
        button.addEventListener("click", () => go(at));
        item.appendChild(button);
        list.appendChild(item);
      }
    }
    if (!list.children.length) {
      const item = document.createElement("li");
      item.textContent = words.noSteps;
      list.appendChild(item);
    }
    panel.hidden = false;
    const again = list.querySelectorAll("button")[focused];
    if (focused >= 0 && again) again.focus();
  }

  // --- navigation ------------------------------------------------------------------------------
  function go(i) {
    const index = Math.max(0, Math.min(steps.length - 1, Math.trunc(Number(i)) || 0));
    state.index = index;
    render();
    return index;
  }
  const next = () => go(state.index + 1);
  const prev = () => go(state.index - 1);

  function play(on) {
    const wanted = on === undefined ? state.playing === null : on;
    if (state.playing !== null) clearInterval(state.playing);
    state.playing = null;
    if (wanted) {
      if (state.index === steps.length - 1) go(0);
      state.playing = setInterval(() => {
        if (state.index >= steps.length - 1) play(false);
        else next();
      }, 1400);
    }
    $("play").setAttribute("aria-pressed", String(state.playing !== null));
  }

  function stepFromHash() {
    const match = /(?:^#|&)step=(\d+)/.exec(location.hash);
    return match ? Number(match[1]) - 1 : null;
  }

  function setLang(lang) {
    state.lang = lang;
    const words = WORDS[lang] || WORDS.en;
    for (const [id, key] of [["first", "first"], ["prev", "prev"], ["next", "next"], ["last", "last"],
      ["play", "play"], ["scrubber", "scrubber"], ["zoom", "zoom"]]) {
      $(id).setAttribute("aria-label", words[key]);
      $(id).title = words[key];
    }
    $("keys").textContent = words.keys;
    for (const button of $("langs").querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
    }
    for (const button of $("views").querySelectorAll("button")) {
      button.textContent = words[button.dataset.kind] || button.dataset.kind;
    }
    render();
  }

  function showView(k) {
    state.view = k;
    const graph = $("graph");
    graph.replaceChildren();
    if (prepared[k]) {
      graph.appendChild(prepared[k].holder);
      for (const slot of prepared[k].slots) slot.last = null; // repaint: sizes are known only when attached
    }
    setActualSize(state.actual);
    for (const button of $("views").querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.view) === k));
    }
    render();
  }

  function wireControls() {
    $("first").addEventListener("click", () => go(0));
    $("prev").addEventListener("click", prev);
    $("next").addEventListener("click", next);
    $("last").addEventListener("click", () => go(steps.length - 1));
    $("play").addEventListener("click", () => play());
    const scrubber = $("scrubber");
    scrubber.max = String(steps.length - 1);
    scrubber.addEventListener("input", () => go(scrubber.value));
    $("zoom").addEventListener("click", () => {
      setActualSize(!state.actual);
      render();
    });
    // On a phone the whole graph would be too small to read: start at actual size, centred on the step.
    if ($("graph-pane").clientWidth < 600) setActualSize(true);
    // The phase strip: one coloured segment per run of steps of one phase.
    const strip = $("phases");
    let start = 0;
    steps.forEach((step, i) => {
      if (i === steps.length - 1 || steps[i + 1].phase !== step.phase) {
        const span = document.createElement("span");
        span.className = step.phase;
        span.style.flex = String(i + 1 - start);
        strip.appendChild(span);
        start = i + 1;
      }
    });
    if (langs.length > 1) {
      const group = $("langs");
      for (const lang of langs) {
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.lang = lang;
        button.textContent = lang === "zh" ? "中文" : lang.toUpperCase();
        button.addEventListener("click", () => setLang(lang));
        group.appendChild(button);
      }
      group.hidden = false;
    }
    if (views.length > 1) {
      const group = $("views");
      views.forEach((view, k) => {
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.view = String(k);
        button.dataset.kind = view.kind;
        button.addEventListener("click", () => showView(k));
        group.appendChild(button);
      });
      group.hidden = false;
    }
    document.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target;
      const tag = target && target.tagName;
      // A focused range or select moves by itself; a focused button takes Space and Enter itself.
      if (tag === "INPUT" || tag === "SELECT") return;
      if (event.key === " " && (tag === "BUTTON" || (target.getAttribute && target.getAttribute("role") === "button"))) return;
      const actions = {
        ArrowRight: next, ArrowLeft: prev, Home: () => go(0), End: () => go(steps.length - 1), " ": () => play(),
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
    window.addEventListener("hashchange", () => {
      const wanted = stepFromHash();
      if (wanted !== null && wanted !== state.index) go(wanted);
    });
  }

  // --- pictures: embedded SVG, or laid out here from DOT by Graphviz compiled to WebAssembly -------
  async function layOut() {
    const needed = views.some((view) => !view.svg);
    let graphviz = null;
    if (needed) {
      $("graph-status").textContent = (WORDS[state.lang] || WORDS.en).layout;
      graphviz = await window.stepgradGraphviz.load();
    }
    views.forEach((view, k) => {
      prepared[k] = prepareView(view, view.svg || graphviz.dot(view.dot));
    });
    $("graph-status").textContent = "";
  }

  const api = {
    get count() { return steps.length; },
    get index() { return state.index; },
    go, next, prev,
    play: () => play(true),
    pause: () => play(false),
    text: () => cardText(state.index, state.lang),
    setLang,
    showView,
    trace,
  };
  window.stepgrad = { player: api, ready: false };

  wireControls();
  const initial = stepFromHash();
  state.index = Math.max(0, Math.min(steps.length - 1, initial === null ? 0 : initial));
  setLang(state.lang);
  layOut()
    .then(() => {
      showView(0);
      window.stepgrad.ready = true;
      window.stepgrad.readyAt = performance.now(); // ms since navigation began (bench/bench_player.py)
      document.documentElement.dataset.ready = "1";
    })
    .catch((error) => {
      $("graph-status").textContent = fill((WORDS[state.lang] || WORDS.en).layoutFailed, error);
      document.documentElement.dataset.ready = "error";
      throw error;
    });
})();
