// The quiz page's checker: the verdicts of autograd.exercise's Exercise.check, computed in the
// browser from what Exercise.checker_data() exports. It is a line-by-line mirror of the Python:
// the precision rule (Number.matches / agreeing_digits, read_number), the op table's forward
// functions and local derivatives (autograd/ops.py), the model that recomputes every quantity from
// the learner's numbers with or without a known mistake (_World), and the verdict (_verdict,
// _known_mistake). The browser tests drive both with the same answers and compare the verdicts,
// and compare every op row here with the op table at sample points, so the two cannot drift.
// Pure functions only; the page (player.js) draws what they return.
(function () {
  "use strict";

  // --- exact arithmetic on doubles and decimals (BigInt fractions) ------------------------------

  // A field of an object read from JSON whose keys are the user's labels ("constructor" too).
  const own = (object, key) => (key !== null && Object.hasOwn(object, key) ? object[key] : undefined);

  const TEN = 10n;
  const pow10 = (k) => TEN ** BigInt(k);

  // A finite double as an exact fraction n / d (d a power of two).
  function exact(x) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const negative = hi >>> 31 === 1;
    const biased = (hi >>> 20) & 0x7ff;
    let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    let e = biased - 1075; // value = mantissa · 2^e
    if (biased === 0) e = -1074;
    else mantissa |= 1n << 52n;
    const n = negative ? -mantissa : mantissa;
    return e >= 0 ? { n: n << BigInt(e), d: 1n } : { n, d: 1n << BigInt(-e) };
  }

  // coefficient · 10^exponent as a fraction.
  const decimal = (coefficient, exponent) =>
    exponent >= 0 ? { n: coefficient * pow10(exponent), d: 1n } : { n: coefficient, d: pow10(-exponent) };

  const abs = (n) => (n < 0n ? -n : n);

  // p / q (q > 0) rounded to an integer, ties to even (Decimal's ROUND_HALF_EVEN).
  function roundHalfEven(p, q) {
    const sign = p < 0n ? -1n : 1n;
    const a = abs(p);
    let r = a / q;
    const twice = 2n * (a - r * q);
    if (twice > q || (twice === q && r % 2n === 1n)) r += 1n;
    return sign * r;
  }

  // The power of ten of a nonzero finite double's first significant digit (Decimal.adjusted()).
  function adjusted(x) {
    const f = exact(Math.abs(x));
    const below = (k) => (k >= 0 ? f.n < f.d * pow10(k) : f.n * pow10(-k) < f.d); // |x| < 10^k
    let k = Math.floor(Math.log10(Math.abs(x))); // may be one off near a power of ten: settle it exactly
    while (below(k)) k -= 1;
    while (!below(k + 1)) k += 1;
    return k;
  }

  // --- precision: a number as a person means it -------------------------------------------------

  const MINUS = { "−": "-", "–": "-", "＋": "+", "，": ",", "。": "." };

  // Python's repr of a string, for messages ('abc', "it's").
  function repr(s) {
    const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
    const body = s.replace(/[\\\n\r\t]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c])
      .split(quote).join(quote === "'" ? "\\'" : quote);
    return quote + body + quote;
  }

  // The learner's answer read as exercise.read_number reads a string: its value, and the
  // exponent of its last digit and its significant digits (capped at maxDigits). Throws an Error
  // whose message is read_number's when it is no number.
  function readNumber(answer, zeros, maxDigits) {
    let text = answer.trim().replace(/[−–＋，。]/g, (c) => MINUS[c]).replace(/ /g, "");
    if ((text.match(/,/g) || []).length === 1 && !text.includes(".")) text = text.replace(",", ".");
    // As Decimal: digits of any script, white space around, underscores anywhere.
    text = text.replace(/\p{Nd}/gu, (c) => {
      const code = c.codePointAt(0);
      let zero = 0;
      for (const z of zeros) if (z <= code) zero = z;
      return String(code - zero);
    }).replace(/\s+/gu, " ").trim().replace(/_/g, "");
    if (/^[+-]?(inf|infinity|s?nan\d*)$/i.test(text)) throw new Error(`${repr(answer)} is not a finite number`);
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) throw new Error(`${repr(answer)} is not a number`);
    const fraction = m[3] || "";
    const all = (m[2] + fraction).replace(/^0+/, ""); // the coefficient's digits ("" for zero)
    const power = Number(m[4] || "0") - fraction.length; // the value is coefficient · 10^power
    let exponent = power;
    let digits = all.length;
    if (digits > maxDigits) { // more digits than are meaningful: only the first maxDigits are checked
      exponent += digits - maxDigits;
      digits = maxDigits;
    }
    return {
      text: answer.trim(), coefficient: BigInt(all || "0") * (m[1] === "-" ? -1n : 1n), power, exponent, digits,
      value: Number(`${m[1]}${all || "0"}e${power}`),
    };
  }

  // Whether x rounds to the number at its precision: |x − n| ≤ half a unit of its last digit
  // (and a hair more, as Number.matches: a tie within float noise goes either way).
  function matches(num, x) {
    if (!Number.isFinite(x)) return false;
    const zero = num.coefficient === 0n;
    // Far outside a double's range the answer cannot be within half a unit (or always is, for 0).
    if (num.exponent - 1 > 330) return zero;
    if (num.exponent - 1 < -400) return zero && x === 0;
    const a = exact(x);
    const v = decimal(num.coefficient, num.power);
    const half = decimal(5n * (pow10(9) + 1n), num.exponent - 1 - 9); // 5·10^(e−1)·(1 + 1e-9)
    // |a − v| ≤ half, over the common denominator
    const gap = abs(a.n * v.d - v.n * a.d);
    return gap * half.d <= half.n * a.d * v.d;
  }

  // How many significant digits of the number x bears out (all of them when it matches).
  function agreeingDigits(num, x) {
    if (matches(num, x)) return num.digits;
    if (num.coefficient === 0n || !Number.isFinite(x) || x === 0) return 0;
    const lead = num.power + abs(num.coefficient).toString().length - 1;
    if (Math.abs(adjusted(x) - lead) > 2) return 0;
    const a = exact(x);
    const v = decimal(num.coefficient, num.power);
    for (let k = num.digits - 1; k >= 1; k--) {
      const q = lead - k + 1; // round both to a multiple of 10^q
      const rx = q >= 0 ? roundHalfEven(a.n, a.d * pow10(q)) : roundHalfEven(a.n * pow10(-q), a.d);
      const rv = q >= 0 ? roundHalfEven(v.n, v.d * pow10(q)) : roundHalfEven(v.n * pow10(-q), v.d);
      if (rx === rv) return k;
    }
    return 0;
  }

  // A number as the derivation prints it (printing.format_number with 9 digits): 9 decimals,
  // trailing zeros dropped; 9 significant digits in scientific notation when tiny or huge.
  function formatNumber(x, digits = 9) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    const sign = x < 0 || Object.is(x, -0) ? "-" : "";
    const a = exact(Math.abs(x));
    if (x !== 0 && !(Math.abs(x) >= 10 ** (2 - digits) && Math.abs(x) < 1e16)) {
      let e = adjusted(x);
      let r = roundHalfEven(a.n * pow10(Math.max(0, digits - 1 - e)), a.d * pow10(Math.max(0, e - digits + 1)));
      if (r.toString().length > digits) {
        e += 1;
        r = roundHalfEven(a.n * pow10(Math.max(0, digits - 1 - e)), a.d * pow10(Math.max(0, e - digits + 1)));
      }
      const s = r.toString();
      const mantissa = (s.slice(0, 1) + "." + s.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
      return `${sign}${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
    }
    const r = roundHalfEven(a.n * pow10(digits), a.d).toString().padStart(digits + 1, "0");
    let s = `${r.slice(0, -digits)}.${r.slice(-digits)}`.replace(/0+$/, "").replace(/\.$/, "");
    if (s === "0") return "0";
    return sign + s;
  }

  // --- the op table (autograd/ops.py): forward functions and local derivatives -----------------
  // Python raises ArithmeticError or ValueError where these return NaN (the checker's model reads
  // either as NaN); the partials take (out, ...operands).

  const divide = (a, b) => (b === 0 ? NaN : a / b);
  const overflow = (result, ...operands) => (!Number.isFinite(result) && operands.every(Number.isFinite) ? NaN : result);

  // Python's math.fsum: the correctly rounded sum (Shewchuk's partials, then the last rounding).
  function fsum(xs) {
    const partials = [];
    let nan = false;
    const infinities = new Set();
    for (let x of xs) {
      if (!Number.isFinite(x)) {
        if (Number.isNaN(x)) nan = true;
        else infinities.add(x);
        continue;
      }
      let i = 0;
      for (let y of partials) {
        if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
        const hi = x + y;
        const lo = y - (hi - x);
        if (lo) partials[i++] = lo;
        x = hi;
      }
      partials.length = i;
      partials.push(x);
    }
    if (nan || infinities.size > 1) return NaN; // inf − inf: Python raises
    if (infinities.size) return [...infinities][0];
    let n = partials.length;
    let hi = 0;
    if (n > 0) {
      hi = partials[--n];
      let lo = 0;
      while (n > 0) {
        const x = hi;
        const y = partials[--n];
        hi = x + y;
        lo = y - (hi - x);
        if (lo) break;
      }
      if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
        const y = lo * 2;
        const x = hi + y;
        if (y === x - hi) hi = x;
      }
    }
    return Number.isFinite(hi) ? hi : NaN; // an intermediate overflow is an error in Python
  }

  function pythonPow(a, b) { // math.pow: C99 Annex F where JavaScript differs
    if (a === 1 || b === 0) return 1;
    if (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) return 1;
    return Math.pow(a, b);
  }

  function sigmoid(a) {
    if (a >= 0) return 1 / (1 + Math.exp(-a));
    const e = Math.exp(a);
    return e / (1 + e);
  }

  const OPS = {
    add: { forward: (a, b) => a + b, partials: [() => 1, () => 1] },
    add_n: { forward: (...xs) => fsum(xs), partials: [() => 1] },
    sub: { forward: (a, b) => a - b, partials: [() => 1, () => -1] },
    mul: { forward: (a, b) => a * b, partials: [(out, a, b) => b, (out, a, b) => a] },
    div: { forward: (a, b) => divide(a, b), partials: [(out, a, b) => divide(1, b), (out, a, b) => -divide(out, b)] },
    pow: {
      forward: (a, b) => {
        if (a === 0 && b < 0) return NaN;
        if (a < 0 && Number.isFinite(b) && !Number.isInteger(b)) return NaN;
        return overflow(pythonPow(a, b), a, b);
      },
      partials: [
        (out, a, b) => {
          if (a === 0) return b === 1 ? 1 : (b > 0 && b < 1 ? Infinity : 0);
          if (a < 0 && Number.isFinite(b - 1) && !Number.isInteger(b - 1)) return NaN;
          const p = pythonPow(a, b - 1);
          if (!Number.isFinite(p) && Number.isFinite(a) && Number.isFinite(b)) {
            const d = divide(b * out, a);
            return Number.isFinite(d) ? d : NaN;
          }
          return b * p;
        },
        (out, a, b) => (a > 0 ? out * Math.log(a) : (a === 0 ? 0 : NaN)),
      ],
    },
    neg: { forward: (a) => -a, partials: [() => -1] },
    exp: { forward: (a) => overflow(Math.exp(a), a), partials: [(out) => out] },
    log: { forward: (a) => (a > 0 || Number.isNaN(a) ? Math.log(a) : NaN), partials: [(out, a) => divide(1, a)] },
    tanh: {
      forward: Math.tanh,
      partials: [(out, a) => {
        if (Math.abs(a) < 0.55) return 1 - out * out;
        const t = Math.exp(-2 * Math.abs(a));
        return (4 * t) / ((1 + t) * (1 + t));
      }],
    },
    sigmoid: { forward: sigmoid, partials: [(out, a) => (a <= 1 ? out * (1 - out) : out * sigmoid(-a))] },
    relu: { forward: (a) => (a <= 0 ? 0 : a), partials: [(out, a) => (a > 0 ? 1 : 0)] },
    half_squared_error: {
      forward: (o, t) => 0.5 * (t - o) * (t - o), partials: [(out, o, t) => o - t, (out, o, t) => t - o],
    },
    threshold: {
      forward: (a) => (a >= 0 ? 1 : 0),
      partials: [() => { throw new Error("the threshold unit has no derivative"); }],
    },
  };

  // exercise._forward: NaN where the row refuses its operands.
  const forward = (op, operands) => OPS[op].forward(...operands);
  const partialOf = (op, slot) => OPS[op].partials[OPS[op].partials.length === 1 ? 0 : slot];

  // exercise._inverse: an operand a with forward(a) == y for a monotone one-operand row, by
  // bisection from a bracket grown around the guess (NaN when y is out of its range).
  function inverse(op, y, guess) {
    if (!Number.isFinite(y) || !Number.isFinite(guess)) return NaN;
    let lo = guess - 1;
    let hi = guess + 1;
    let fLo = forward(op, [lo]);
    let fHi = forward(op, [hi]);
    let up = false;
    let found = false;
    for (let i = 0; i < 64; i++) {
      if (!(Number.isFinite(fLo) && Number.isFinite(fHi)) || fLo === fHi) return NaN;
      up = fLo < fHi;
      if (up ? fLo <= y && y <= fHi : fHi <= y && y <= fLo) {
        found = true;
        break;
      }
      const width = hi - lo;
      if ((y < fLo) === up) {
        lo -= width;
        fLo = forward(op, [lo]);
      } else {
        hi += width;
        fHi = forward(op, [hi]);
      }
    }
    if (!found) return NaN;
    for (let i = 0; i < 200; i++) {
      const mid = 0.5 * (lo + hi);
      if (mid === lo || mid === hi) break;
      if ((forward(op, [mid]) < y) === up) lo = mid;
      else hi = mid;
    }
    return 0.5 * (lo + hi);
  }

  // --- the model: every quantity from the learner's numbers (exercise._World) -------------------

  const SEP = "\x1f"; // joins the parts of a mistake's site, as checker_data writes them
  const gradName = (top, x) => `d${top}/d${x}`;

  class World {
    constructor(model, fixed, mistake = null, clean = null) {
      this.m = model;
      this.fixed = fixed; // Map: name → the learner's number
      this.mistake = mistake;
      this.clean = clean || (mistake ? new World(model, fixed) : this);
      this.forwardValues = null;
      this.afterValues = null;
      this.grads = new Map();
      this.locals = new Map();
    }

    has(kind, ...site) {
      const m = this.mistake;
      return m !== null && m.kind === kind && !site.includes(null) && !site.includes(undefined)
        && m.siteSet.has(site.join(SEP));
    }

    fixedOr(name, otherwise) {
      return this.fixed.has(name) ? this.fixed.get(name) : otherwise;
    }

    sweep(after) {
      const values = [];
      this.m.nodes.forEach((v, i) => {
        let x;
        if (v.op === null) {
          x = v.data;
          if (after && this.m.paramSet.has(v.label)) x = this.value(`${v.label}+`);
        } else {
          x = forward(v.op, v.parents.map((p, s) => this.read(i, s, values)));
        }
        if (v.label !== null) x = this.fixedOr(after ? `${v.label}+` : v.label, x);
        values.push(x);
      });
      return values;
    }

    // An operand's value as node `reader` reads it (net in place of out, with that mistake).
    read(reader, slot, values, phase = "forward") {
      const p = this.m.nodes[this.m.nodes[reader].parents[slot]];
      const z = own(this.m.pairs, p.label);
      if (z !== undefined && this.has("net_for_out", p.label, this.m.owner[reader], phase)) return values[this.m.node.get(z)];
      return values[this.m.nodes[reader].parents[slot]];
    }

    forward() {
      if (this.forwardValues === null) this.forwardValues = this.sweep(false);
      return this.forwardValues;
    }

    after() {
      if (this.afterValues === null) this.afterValues = this.sweep(true);
      return this.afterValues;
    }

    // The local derivative of node i for operand `slot`, as its formula reads with this world's numbers.
    partial(i, slot) {
      const v = this.m.nodes[i];
      const values = this.forward();
      let operands = v.parents.map((p, s) => this.read(i, s, values, "backward"));
      if (this.has("updated_weights", "*")) {
        v.parents.forEach((p, s) => {
          const label = this.m.nodes[p].label;
          if (this.m.paramSet.has(label)) operands[s] = this.clean.value(`${label}+`);
        });
      }
      let out = values[i];
      const y = v.label;
      if (own(this.m.pairs, y) !== undefined) {
        if (this.has("function_for_derivative", y)) return out;
        if (this.has("out_for_net", y)) {
          operands = [out];
          out = forward(v.op, operands);
        }
      }
      const op = own(this.m.ops, v.op);
      const reads = op.partials[op.partials.length === 1 ? 0 : slot];
      if (!reads.out) out = forward(v.op, operands);
      else if (!reads.operand && operands.length === 1 && forward(v.op, operands) !== out) {
        operands = [inverse(v.op, out, operands[0])];
      }
      let local = partialOf(v.op, slot)(out, ...operands);
      if (slot === 0 && this.has("target_sign", v.label)) local = -local;
      return local;
    }

    // ∂c/∂a between labelled nodes, folded over the unlabelled nodes between them.
    local(c, a) {
      const key = c + SEP + a;
      if (!this.locals.has(key)) {
        const name = gradName(c, a);
        let total;
        if (this.fixed.has(name)) total = this.fixed.get(name);
        else if (this.has("one_path", c, a)) total = 0;
        else {
          total = 0;
          for (const route of own(this.m.routes, key)) {
            let product = 1;
            for (const [node, slot] of route) product *= this.partial(node, slot);
            total += product;
          }
        }
        this.locals.set(key, total);
      }
      return this.locals.get(key);
    }

    // ∂top/∂x for every labelled x below top (and, for the output, each term's share), from the
    // top down, as exercise._World.gradients.
    gradients(top) {
      if (this.grads.has(top)) return this.grads.get(top);
      const m = this.m;
      const byTerms = top === m.output && m.terms.length > 0;
      const grads = new Map();
      const numer = new Map();
      const reach = new Set([top, ...own(m.depends, top)]);
      for (const x of [...m.labels].reverse()) {
        if (!reach.has(x)) continue;
        if (x === top || (byTerms && m.terms.includes(x))) {
          grads.set(gradName(x, x), 1);
          if (x !== top) grads.set(gradName(top, x), this.fixedOr(gradName(top, x), this.local(top, x)));
          numer.set(x, x);
          continue;
        }
        const consumers = own(m.above, x).filter((c) => numer.has(c));
        const whose = byTerms ? m.numerator(x) : top;
        numer.set(x, whose);
        const shares = new Map();
        for (const c of consumers) {
          const n = numer.get(c);
          shares.set(n, (shares.has(n) ? shares.get(n) : 0) + grads.get(gradName(n, c)) * this.local(c, x));
        }
        if (whose !== top) {
          const [[n, share]] = [...shares];
          const g = this.fixedOr(gradName(n, x), this.fixedOr(gradName(top, x), share));
          grads.set(gradName(n, x), g);
          if (!grads.has(gradName(top, x))) grads.set(gradName(top, x), g);
          continue;
        }
        let total = 0;
        for (let [n, g] of shares) {
          if (n !== top) {
            g = this.fixedOr(gradName(n, x), g);
            grads.set(gradName(n, x), g);
          }
          total += g;
        }
        grads.set(gradName(top, x), this.fixedOr(gradName(top, x), total));
      }
      this.grads.set(top, grads);
      return grads;
    }

    // The quantity `name` in this world; a number the learner gave for it wins.
    value(name) {
      if (this.fixed.has(name)) return this.fixed.get(name);
      const parsed = own(this.m.names, name);
      if (parsed === undefined) throw new Error(`${name}: not a quantity of the exercise`);
      const [kind, a] = parsed;
      if (kind === "forward") return this.forward()[this.m.node.get(a)];
      if (kind === "after") return this.after()[this.m.node.get(a)];
      if (kind === "update") {
        const grad = this.value(gradName(this.m.output, a));
        const w = this.m.nodes[this.m.node.get(a)].data;
        if (this.has("forgot_lr", a)) return w - grad;
        if (this.has("lr_sign", a)) return w + this.m.lr * grad;
        return w - this.m.lr * grad; // graph.gradient_step
      }
      if (kind === "local") return this.local(a, parsed[2]);
      const shares = this.gradients(this.m.output);
      return shares.has(name) ? shares.get(name) : this.gradients(a).get(name);
    }
  }

  // --- verdicts (Exercise._verdicts, _verdict, _known_mistake) -----------------------------------

  const isClose = (a, b) => a === b  // math.isclose(a, b, rel_tol=1e-12)
    || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));

  class Checker {
    constructor(data) {
      this.data = data;
      const m = { ...data };
      m.node = new Map();
      data.nodes.forEach((v, i) => { if (v.label !== null) m.node.set(v.label, i); });
      m.paramSet = new Set(data.params);
      m.numerator = (x) => {
        const reaching = data.terms.filter((t) => t === x || own(data.depends, t).includes(x));
        return reaching.length === 1 && x !== data.output ? reaching[0] : data.output;
      };
      this.model = m;
      this.variants = data.variants.map((v) => ({ ...v, siteSet: new Set(v.sites) }));
      this.questions = data.questions;
      this.byName = new Map(data.questions.map((q, k) => [q.name, { ...q, position: k }]));
    }

    world(fixed, mistake = null, clean = null) {
      return new World(this.model, fixed, mistake, clean);
    }

    read(text) {
      return readNumber(text, this.data.digit_zeros, this.data.max_digits);
    }

    // The learner's numbers (answers: Map name → text), each under every name of its question;
    // `without` leaves one question out (its own answer is what is judged).
    fixed(answers, without = null) {
      const fixed = new Map();
      for (const [name, text] of answers) {
        if (name === without) continue;
        let n;
        try {
          n = this.read(text);
        } catch (error) {
          continue;
        }
        for (const alias of this.byName.get(name).group) fixed.set(alias, n.value);
      }
      return fixed;
    }

    // The verdict on question `name` given all the learner's answers, as Exercise.check gives it.
    verdict(name, answers) {
      const q = this.byName.get(name);
      if (!answers.has(name)) return { status: "missing", question: q };
      let n;
      try {
        n = this.read(answers.get(name));
      } catch (error) {
        return { status: "invalid", question: q, problem: error.message };
      }
      const base = { question: q, answer: n };
      if (matches(n, q.value)) return { ...base, status: "right", digits: n.digits };
      const others = this.fixed(answers, name);
      const carried = this.world(others).value(name);
      if (matches(n, carried)) {
        const wrong = [...answers.keys()].filter((other) => {
          if (other === name) return false;
          try {
            return !matches(this.read(answers.get(other)), this.byName.get(other).value);
          } catch (error) {
            return false;
          }
        }).sort((a, b) => this.byName.get(a).position - this.byName.get(b).position);
        const culprits = [];
        for (const other of wrong) {
          const changed = new Map(others);
          for (const alias of this.byName.get(other).group) {
            if (changed.has(alias)) changed.set(alias, this.byName.get(other).value);
          }
          if (!isClose(this.world(changed).value(name), carried)) culprits.push(this.byName.get(other).text);
        }
        if (culprits.length) return { ...base, status: "carried", digits: agreeingDigits(n, q.value), carried, culprits };
        return { ...base, status: "right", digits: n.digits, carried, rounded: true };
      }
      const found = n.digits >= 2 ? this.knownMistake(q, n, others) : null;
      if (found !== null) {
        return { ...base, status: "mistake", digits: agreeingDigits(n, q.value), carried, mistake: found.variant.kind,
          where: found.variant.where, allAlong: found.allAlong };
      }
      return { ...base, status: "wrong", digits: agreeingDigits(n, q.value), carried };
    }

    // The known mistake that gives the learner's number: made in this step from their own other
    // numbers, or else made all along from the given numbers; the closest to the answer.
    knownMistake(q, n, others) {
      const passes = [[others, false]];
      if (others.size) passes.push([new Map(), true]);
      for (const [fixed, allAlong] of passes) {
        const clean = this.world(fixed);
        let best = null;
        this.variants.forEach((variant, k) => {
          const x = this.world(fixed, variant, clean).value(q.name);
          if (matches(n, x) && !matches(n, q.value)) {
            const distance = Math.abs(x - n.value);
            if (best === null || distance < best.distance) best = { distance, k, variant, allAlong };
          }
        });
        if (best !== null) return best;
      }
      return null;
    }

    // The verdict in words, as Verdict.line and Verdict.explanation write it.
    line(verdict, lang) {
      const w = this.data.words[lang];
      const q = verdict.question;
      const mark = { right: "✓", carried: "~", mistake: "✗", wrong: "✗", missing: "–", invalid: "?" }[verdict.status];
      const colon = lang === "en" ? ": " : "：";
      const say = (template, ...args) => template.replace(/\{(\d)\}/g, (all, k) => String(args[+k]));
      let head = `${mark} ${q.text}`;
      if (verdict.status === "missing") return head + colon + w.missing;
      if (verdict.status === "invalid") return head + colon + verdict.problem;
      head += ` = ${verdict.answer.text}`;
      const plural = (k) => (k !== 1 ? "s" : "");
      let says;
      if (verdict.status === "right") says = verdict.rounded ? w.right_rounded : say(w.right, verdict.digits, plural(verdict.digits));
      else if (verdict.status === "carried") {
        says = say(w.carried, verdict.culprits.join(", "), w[verdict.culprits.length === 1 ? "was" : "were"]);
      } else if (verdict.status === "mistake") says = say(w.mistake, this.data.mistakes[verdict.mistake].title[lang]);
      else if (verdict.digits) says = say(w.wrong, verdict.digits, plural(verdict.digits));
      else says = w.wrong_none;
      return head + colon + says;
    }

    explanation(verdict, lang) {
      if (verdict.status !== "mistake") return null;
      const values = { w: verdict.question.label, lr: "η", ...verdict.where };
      if (this.data.lr_text !== null) values.lr = this.data.lr_text;
      return fill(this.data.mistakes[verdict.mistake][lang], values);
    }

    // The hint's numbers: each quantity the formula reads, from the learner's numbers (the
    // nearest ones answered; true values for the rest) beside the true one, and the quantity
    // itself both ways (Exercise.hint).
    hint(name, answers) {
      const q = this.byName.get(name);
      const world = this.world(this.fixed(answers, name));
      const yours = (input) => (own(this.model.names, input.name) !== undefined
        ? world.value(input.name) : input.value);
      const rows = q.inputs.map((input) => ({ ...input, yours: yours(input), true: input.value }));
      const mine = world.value(name);
      const same = rows.every((r) => formatNumber(r.yours) === formatNumber(r.true))
        && formatNumber(mine) === formatNumber(q.value);
      return { question: q, rows, yours: mine, true: q.value, inputsRight: same };
    }
  }

  window.stepgradChecker = { readNumber, matches, agreeingDigits, formatNumber, fsum, OPS, World, Checker };
})();
