// The step-through player: reads the embedded trace (format "stepgrad.trace", version 1) and the
// pictures, and shows one step at a time. Everything a step shows is computed from the trace by
// small pure functions (revealedAt, cardOf). A quiz page (autograd.player(..., quiz=True)) also
// embeds its questions: their numbers stay blank on the card and the picture until the learner
// has answered them right or revealed them, and checker.js gives the verdicts of
// Exercise.check. Labels are always inserted as text.
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
      check: "Check", hint: "Hint", reveal: "Reveal", answerOf: "Your answer for {0}", answerIs: "The answer: {0}",
      revealed: "revealed", scoreRevealed: " · {0} revealed", nextQuestion: "Next question",
      quizKeys: "Enter checks an answer, Esc leaves its box",
      quizDone: "Every question is answered.",
    },
    zh: {
      forward: "前向传播", loss: "误差", backward: "反向传播", update: "更新", after: "更新之后",
      step: "第 {0} 步，共 {1} 步", first: "第一步（Home）", prev: "上一步（←）", next: "下一步（→）",
      last: "最后一步（End）", play: "播放 / 暂停（空格）", scrubber: "步骤", zoom: "原始大小 / 适应窗口",
      keys: "← → 逐步 · Home End · 空格播放 · 点击节点或按 Enter 查看它的步骤",
      nodeForward: "值", nodeGrad: "梯度", nodeUpdate: "更新", nodeAfter: "更新之后", noSteps: "没有步骤计算这个节点",
      layout: "正在排布计算图……", layoutFailed: "计算图无法排布：{0}",
      graph: "计算图", network: "网络",
      check: "检查", hint: "提示", reveal: "看答案", answerOf: "你算出的 {0}", answerIs: "答案：{0}",
      revealed: "已看答案", scoreRevealed: "，看了 {0} 题的答案", nextQuestion: "下一题",
      quizKeys: "Enter 检查答案，Esc 离开输入框",
      quizDone: "所有题目都已答完。",
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

  // --- the quiz: what stays hidden, and the learner's answers --------------------------------------
  // A question is open from its step on until it is answered right or revealed; while it is open,
  // its numbers on the picture (q.hides) and every card line that prints its number (masks) are
  // blank. The score counts each question's first answer, as a worksheet would.
  const quizData = document.getElementById("stepgrad-quiz");
  const quiz = quizData ? makeQuiz(JSON.parse(quizData.textContent)) : null;

  function makeQuiz(data) {
    const checker = new window.stepgradChecker.Checker(data);
    const asked = data.questions.filter((q) => q.at !== null).sort((a, b) => a.at - b.at || a.line - b.line);
    const byName = new Map(asked.map((q) => [q.name, q]));
    const atStep = new Map();
    const hides = new Map(); // "field\x1fid" -> the questions that hide it
    for (const q of asked) {
      if (!atStep.has(q.at)) atStep.set(q.at, []);
      atStep.get(q.at).push(q);
      for (const key of q.hides) {
        if (!hides.has(key)) hides.set(key, []);
        hides.get(key).push(q);
      }
    }
    const answers = new Map(); // name -> the learner's latest answer that is a number (as typed)
    const state = new Map(asked.map((q) => [q.name, {
      text: "", verdict: null, first: null, revealed: false, hint: false,
    }]));
    const resolved = (name) => {
      const s = state.get(name);
      return s.revealed || (s.verdict !== null && s.verdict.status === "right");
    };
    const open = (q, index) => q.at <= index && !resolved(q.name);
    return {
      data, checker, asked, byName, atStep, answers, state, resolved,
      hidden: (field, id, index) => (hides.get(`${field}\x1f${id}`) || []).some((q) => open(q, index)),
      // The mask of line k of step `index` while a question it prints is open, else null.
      mask(index, k) {
        const mask = (data.masks[String(index)] || []).find((m) => m.line === k);
        return mask && mask.names.some((name) => byName.has(name) && !resolved(name)) ? mask : null;
      },
      // Judge an answer with every other answer the learner stands by (check's rule for carried errors).
      answer(name, text) {
        const verdict = checker.verdict(name, new Map(answers).set(name, text));
        if (verdict.status !== "invalid") answers.set(name, text);
        const s = state.get(name);
        s.text = text;
        s.verdict = verdict;
        if (s.first === null && verdict.status !== "invalid" && !s.revealed) s.first = verdict.status;
        return verdict;
      },
      reveal(name) {
        state.get(name).revealed = true;
      },
      score() {
        const firsts = asked.map((q) => state.get(q.name).first);
        return {
          right: firsts.filter((f) => f === "right").length,
          carried: firsts.filter((f) => f === "carried").length,
          revealed: asked.filter((q) => state.get(q.name).revealed).length,
          answered: firsts.filter((f) => f !== null).length,
          total: asked.length,
        };
      },
    };
  }

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
    // Known, and not the number of an open question of the quiz.
    const shown = (field, id) => known(field, id, index) && !(quiz && quiz.hidden(field, id, index));
    if (slot.field === "local") {
      return shown("local", slot.edge) ? short(edgeById.get(slot.edge).local) : "";
    }
    const node = nodeById.get(slot.node);
    const field = slot.field === "data+updated" ? "data" : slot.field;
    if (!shown(field, slot.node)) return "";
    let text = short(node[field]);
    // "data+updated": the value, then what it becomes: a parameter's update, or any node's value
    // in the forward pass after the update.
    if (slot.field === "data+updated") {
      if (known("updated", slot.node, index)) {
        if (shown("updated", slot.node)) text += ` → ${short(node.updated)}`;
      } else if (shown("after", slot.node)) text += ` → ${short(node.after)}`;
    }
    return text;
  }

  // The card of a step, as data: what a quiz mode would change is only how this is drawn.
  function cardOf(index, lang) {
    const step = steps[index];
    const pick = (words) => (words ? words[lang] || words[langs[0]] || "" : "");
    const lines = (step.lines || []).map((line, k) => lineOf(index, k) || line);
    return { phase: step.phase, title: pick(step.title), note: pick(step.note), lines };
  }

  // Line k of a step as the quiz shows it now: without its numbers while it prints an open
  // question's (the masked {text, latex}), or null when it is shown whole.
  const lineOf = (index, k) => (quiz ? quiz.mask(index, k) : null);

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
      div.className = line.names ? "line masked" : "line";
      renderMaths(line, div);
      lines.appendChild(div);
    }
    if (quiz) renderQuiz(index, lang);
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

  // --- the quiz's part of the card: a box per question asked at this step -----------------------------

  function renderQuiz(index, lang) {
    const words = WORDS[lang] || WORDS.en;
    const box = $("quiz");
    const here = quiz.atStep.get(index) || [];
    const key = `${index}/${lang}`;
    if (box.dataset.key !== key) { // a new step or language: new boxes (typing in a box is not redrawn)
      box.dataset.key = key;
      box.replaceChildren(...here.map((q) => questionBox(q, words, lang)));
    }
    box.hidden = here.length === 0;
    for (const element of box.querySelectorAll(".question")) updateQuestion(element, words, lang);
    const score = quiz.score();
    let line = fill(quiz.data.words[lang].score, score.right, score.total);
    if (score.carried) line += fill(quiz.data.words[lang].score_carried, score.carried);
    if (score.revealed) line += fill(words.scoreRevealed, score.revealed);
    $("score").textContent = line;
    $("next-question").textContent = words.nextQuestion;
    $("next-question").disabled = quiz.asked.every((q) => quiz.resolved(q.name));
  }

  function questionBox(q, words, lang) {
    const element = document.createElement("div");
    element.className = "question";
    element.dataset.name = q.name;
    const id = `answer-${quiz.asked.indexOf(q)}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.className = "prompt";
    renderMaths({ latex: `${q.prompt.latex} =`, text: `${q.prompt.text} =` }, label);
    const input = document.createElement("input");
    Object.assign(input, { id, type: "text", autocomplete: "off", spellcheck: false });
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("enterkeyhint", "done");
    input.setAttribute("aria-label", fill(words.answerOf, q.prompt.text));
    input.setAttribute("aria-describedby", `${id}-verdict`);
    const check = button("check", words.check, () => submit(q, input));
    const hint = button("hint", words.hint, () => {
      const s = quiz.state.get(q.name);
      s.hint = !s.hint;
      updateQuestion(element, WORDS[state.lang] || WORDS.en, state.lang);
      element.scrollIntoView({ block: "nearest" });
    });
    const reveal = button("reveal", words.reveal, () => {
      quiz.reveal(q.name);
      render();
      $("next-question").focus();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        submit(q, input);
      } else if (event.key === "Escape") {
        event.preventDefault();
        $("next").focus();
      }
    });
    const row = document.createElement("div");
    row.className = "answer-row";
    row.append(label, input, check, hint, reveal);
    const verdict = document.createElement("p");
    verdict.className = "verdict";
    verdict.id = `${id}-verdict`;
    verdict.setAttribute("role", "status");
    const explanation = document.createElement("p");
    explanation.className = "explanation";
    const hintBox = document.createElement("div");
    hintBox.className = "hint-box";
    element.append(row, verdict, explanation, hintBox);
    return element;
  }

  function button(kind, text, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = kind;
    b.textContent = text;
    b.addEventListener("click", action);
    return b;
  }

  function submit(q, input) {
    if (!input.value.trim()) return;
    const verdict = quiz.answer(q.name, input.value);
    render();
    input.closest(".question").scrollIntoView({ block: "nearest" });
    if (verdict.status === "right") {
      const next = [...$("quiz").querySelectorAll("input:not(:disabled)")][0];
      (next || $("next-question")).focus();
    } else {
      input.select();
    }
  }

  // A question's box as its state stands: the verdict (Verdict.line), the known mistake's
  // explanation, the answer once right or revealed, and the hint when asked for.
  function updateQuestion(element, words, lang) {
    const name = element.dataset.name;
    const q = quiz.byName.get(name);
    const s = quiz.state.get(name);
    const done = quiz.resolved(name);
    element.classList.toggle("done", done);
    element.dataset.status = s.revealed ? "revealed" : (s.verdict ? s.verdict.status : "open");
    const input = element.querySelector("input");
    input.disabled = done;
    if (document.activeElement !== input) input.value = s.text;
    element.querySelector(".check").hidden = done;
    element.querySelector(".reveal").hidden = done;
    const hintButton = element.querySelector(".hint");
    hintButton.setAttribute("aria-expanded", String(s.hint));
    const verdict = element.querySelector(".verdict");
    const parts = [];
    if (s.verdict) parts.push(quiz.checker.line(s.verdict, lang));
    if (s.revealed) parts.push(fill(words.answerIs, formatted(q.value)));
    verdict.textContent = parts.join(" · ");
    const explanation = element.querySelector(".explanation");
    explanation.textContent = (s.verdict && quiz.checker.explanation(s.verdict, lang)) || "";
    const hintBox = element.querySelector(".hint-box");
    hintBox.hidden = !s.hint;
    if (s.hint) renderHint(hintBox, q, s, done, lang);
  }

  const formatted = (x) => window.stepgradChecker.formatNumber(x).replace("-", "−");

  // The hint (Exercise.hint): the formula, each quantity it reads from the learner's numbers
  // beside the true one, the true numbers once the question is done, and whether the slip is in
  // this step.
  function renderHint(box, q, s, done, lang) {
    const w = quiz.data.words[lang];
    const hint = quiz.checker.hint(q.name, quiz.answers);
    box.replaceChildren();
    const title = document.createElement("p");
    title.className = "hint-title";
    title.textContent = fill(w.hint, q.text);
    const formula = document.createElement("div");
    formula.className = "line";
    renderMaths(q.formula, formula);
    box.append(title, formula);
    if (hint.rows.length) {
      const table = document.createElement("table");
      const head = table.createTHead().insertRow();
      for (const text of ["", w.yours, w.true]) {
        const th = document.createElement("th");
        th.textContent = text;
        head.appendChild(th);
      }
      const body = table.createTBody();
      for (const row of hint.rows) {
        const tr = body.insertRow();
        renderMaths({ latex: row.latex, text: row.text }, tr.insertCell());
        tr.insertCell().textContent = formatted(row.yours);
        tr.insertCell().textContent = formatted(row.true);
        tr.classList.toggle("differs", formatted(row.yours) !== formatted(row.true));
      }
      box.appendChild(table);
    }
    if (done) {
      const truth = document.createElement("div");
      truth.className = "line";
      renderMaths({ latex: `${q.prompt.latex} = ${q.truth.latex}`, text: `${q.prompt.text} = ${q.truth.text}` }, truth);
      box.appendChild(truth);
    }
    const wrong = s.verdict && ["wrong", "mistake", "carried"].includes(s.verdict.status);
    if (wrong && hint.inputsRight) {
      const note = document.createElement("p");
      note.textContent = w[s.verdict.allAlong ? "inputs_right_all_along" : "inputs_right"];
      box.appendChild(note);
    }
  }

  // The next step, after this one (then from the start), with a question still open.
  function nextQuestion() {
    const open = quiz.asked.filter((q) => !quiz.resolved(q.name));
    const q = open.find((x) => x.at > state.index) || open[0];
    if (q) go(q.at);
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
        const first = lineOf(at, 0) || (steps[at].lines || [])[0];
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
    if (quiz) arrive(index);
    return index;
  }

  // At a step with an open question, playing stops; with a keyboard, the answer box takes the focus
  // (on a touch screen that would throw the on-screen keyboard over the page at every step).
  function arrive(index) {
    if (!(quiz.atStep.get(index) || []).some((q) => !quiz.resolved(q.name))) return;
    if (state.playing !== null) play(false);
    const input = $("quiz").querySelector("input:not(:disabled)");
    if (input && !window.matchMedia("(pointer: coarse)").matches) input.focus({ preventScroll: true });
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
    $("keys").textContent = quiz ? `${words.keys} · ${words.quizKeys}` : words.keys;
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
    if (quiz) {
      document.body.classList.add("quiz");
      $("quiz-score").hidden = false;
      $("next-question").addEventListener("click", nextQuestion);
    }
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
  window.stepgrad = { player: api, quiz: quiz && quizApi(), ready: false };

  // For scripts and tests: answer, reveal and read a question as the page's own controls do.
  function quizApi() {
    const summary = (v) => v && {
      status: v.status, digits: v.digits, mistake: v.mistake || null, culprits: v.culprits || [], rounded: !!v.rounded,
      allAlong: !!v.allAlong, problem: v.problem || null,
      line: { en: quiz.checker.line(v, "en"), zh: quiz.checker.line(v, "zh") },
      explanation: { en: quiz.checker.explanation(v, "en"), zh: quiz.checker.explanation(v, "zh") },
    };
    return {
      get questions() { return quiz.asked.map((q) => q.name); },
      at: (name) => quiz.byName.get(name).at,
      answer(name, text) {
        const verdict = quiz.answer(name, text);
        const input = $("quiz").querySelector(`.question[data-name="${CSS.escape(name)}"] input`);
        if (input) input.value = text;
        render();
        return summary(verdict);
      },
      reveal(name) {
        quiz.reveal(name);
        render();
      },
      verdict: (name) => summary(quiz.state.get(name).verdict),
      resolved: (name) => quiz.resolved(name),
      hint: (name) => quiz.checker.hint(name, quiz.answers),
      score: () => quiz.score(),
      checker: quiz.checker,
    };
  }

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
