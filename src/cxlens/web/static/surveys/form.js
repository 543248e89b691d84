// Survey form: apply skip logic (data-show-if) as the respondent answers, and keep a double click from
// sending the form twice. The server applies the same rules; without this script every question shows.
(function () {
  "use strict";
  var form = document.querySelector("form.survey");
  if (!form) { return; }
  var blocks = Array.prototype.slice.call(form.querySelectorAll(".question"));

  function answer(code) {
    var block = document.getElementById("block_" + code);
    if (!block || block.hidden) { return null; }
    var inputs = block.querySelectorAll("input, textarea");
    var values = [];
    var multi = false;
    Array.prototype.forEach.call(inputs, function (el) {
      if (el.type === "checkbox") { multi = true; if (el.checked) { values.push(el.value); } }
      else if (el.type === "radio") { if (el.checked) { values.push(el.value); } }
      else if (el.value.trim() !== "") { values.push(el.value.trim()); }
    });
    if (!values.length) { return null; }
    return multi ? values : values[0];
  }

  function num(v) { var n = parseFloat(v); return isNaN(n) ? null : n; }

  function holds(cond) {
    var given = answer(cond.question);
    if (cond.op === "not_answered") { return given === null; }
    if (given === null) { return false; }
    if (cond.op === "answered") { return true; }
    var value = cond.value;
    if (Array.isArray(given)) {
      if (cond.op === "contains") { return given.indexOf(String(value)) >= 0; }
      var wanted = Array.isArray(value) ? value.map(String) : [String(value)];
      var hit = given.some(function (g) { return wanted.indexOf(g) >= 0; });
      return (cond.op === "equals" || cond.op === "in") ? hit : !hit;
    }
    var numeric = typeof value === "number" || (Array.isArray(value) && typeof value[0] === "number");
    var g = numeric ? num(given) : String(given);
    switch (cond.op) {
      case "equals": return g === value;
      case "not_equals": return g !== value;
      case "in": return value.indexOf(g) >= 0;
      case "not_in": return value.indexOf(g) < 0;
      case "gt": return g !== null && g > value;
      case "gte": return g !== null && g >= value;
      case "lt": return g !== null && g < value;
      case "lte": return g !== null && g <= value;
      default: return false;
    }
  }

  function update() {
    blocks.forEach(function (block) {
      var spec = block.getAttribute("data-show-if");
      if (!spec) { return; }
      var show = JSON.parse(spec).every(holds);
      block.hidden = !show;
      Array.prototype.forEach.call(block.querySelectorAll("input, textarea"), function (el) { el.disabled = !show; });
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    window.setTimeout(function () { if (button) { button.disabled = true; } }, 0);
  });
  var summary = document.getElementById("summary");
  if (summary) { summary.focus(); }
})();
