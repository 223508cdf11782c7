// A survey page as the citizen answers it: a question with show-if appears once the question it looks at has one
// of its options chosen (in order, so a chain of conditions works), and its inputs are disabled while hidden so a
// hidden answer is never sent. surveys checks the same rules on submit; this only keeps the page honest.
(function () {
  var form = document.getElementById('survey-form');
  if (!form) return;
  var questions = [].slice.call(form.querySelectorAll('.question'));

  function chosen(key) {
    var q = document.getElementById('question-' + key);
    if (!q || q.hidden) return [];
    return [].map.call(q.querySelectorAll('input:checked'), function (i) { return +i.value; });
  }

  function apply() {
    questions.forEach(function (q) {
      var rule = q.getAttribute('data-show-if');
      if (rule) {
        rule = JSON.parse(rule);
        var show = chosen(rule.question).some(function (v) { return rule.options.indexOf(v) >= 0; });
        q.hidden = !show;
        q.querySelectorAll('input,select,textarea').forEach(function (el) { el.disabled = !show; });
      }
      var max = +q.getAttribute('data-max');  // a multiple choice at its limit: the other boxes wait
      if (max && !q.hidden) {
        var on = q.querySelectorAll('input[type=checkbox]:checked').length;
        q.querySelectorAll('input[type=checkbox]').forEach(function (b) { b.disabled = !b.checked && on >= max; });
      }
    });
    form.querySelectorAll('textarea[maxlength]').forEach(function (t) {
      var count = document.getElementById('count-' + t.name);
      if (count) count.textContent = t.value.length;
    });
  }

  form.addEventListener('change', apply);
  form.addEventListener('input', apply);
  form.addEventListener('submit', function () {
    var b = document.getElementById('submit');
    setTimeout(function () { b.disabled = true; b.textContent = '提交中…'; }, 0);
  });
  apply();
})();
