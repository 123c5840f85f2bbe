// Payvand: the little script every page loads. Pages work without it.
"use strict";
// A second click on a slow connection must not send the form twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.disabled = true;
      b.setAttribute("aria-busy", "true");
    });
  }, 0);
});
// Coming back with the browser's Back button shows the form usable again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitted]").forEach(function (form) {
    delete form.dataset.submitted;
    form.querySelectorAll("button[disabled][aria-busy]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });
});

// Fields that only matter for one choice of a radio group: a form lists them as
// data-show-when='{"field": ["value", …]}' with data-show-on="radio name".
function payvandConditionalFields(form) {
  var rules = JSON.parse(form.dataset.showWhen || "{}");
  var checked = form.querySelector("input[name='" + form.dataset.showOn + "']:checked");
  var value = checked ? checked.value : "";
  Object.keys(rules).forEach(function (name) {
    var box = form.querySelector("[data-field='" + name + "']");
    if (box && !box.classList.contains("has-error")) {
      box.hidden = rules[name].indexOf(value) < 0;
    }
  });
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-show-when]").forEach(function (form) {
    payvandConditionalFields(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === form.dataset.showOn) payvandConditionalFields(form);
    });
  });
});

// "Print a summary": the page's own print stylesheet hides forms and navigation.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
