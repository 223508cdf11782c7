// The survey builder: sections of questions edited in the page and posted as one JSON document (the survey as the
// surveys service takes it). The service checks everything again; its errors come back keyed by path
// ("sections.0.questions.2.show_if") and are shown beside the field they name.
(function () {
  var TYPES = [['single', '单选题'], ['multiple', '多选题'], ['text', '填空题'], ['scale', '量表题'],
    ['number', '数字题'], ['date', '日期题'], ['ranking', '排序题']];
  var WITH_OPTIONS = ['single', 'multiple', 'ranking'];
  var data = JSON.parse(document.getElementById('survey-data').textContent) || {};
  var errors = JSON.parse(document.getElementById('survey-errors').textContent) || {};
  var form = document.getElementById('builder-form');
  var holder = document.getElementById('sections');
  var sections = data.sections || [{ title: '', description: '', questions: [] }];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'on') Object.keys(attrs.on).forEach(function (e) { node.addEventListener(e, attrs.on[e]); });
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function error(path) {
    return errors[path] ? el('p', { 'class': 'err', 'data-error': path, text: errors[path] }) : null;
  }

  function nextKey() {
    var top = 0;
    sections.forEach(function (s) { s.questions.forEach(function (q) { top = Math.max(top, +(q.key.slice(1)) || 0); }); });
    return 'q' + (top + 1);
  }

  function every() {  // [[question, number]] in order
    var all = [], n = 0;
    sections.forEach(function (s) { s.questions.forEach(function (q) { all.push([q, ++n]); }); });
    return all;
  }

  // an input bound to q[field]: text, or a number (empty → null)
  function bound(q, field, kind, attrs) {
    var value = q[field] === null || q[field] === undefined ? '' : q[field];
    return el('input', Object.assign({ type: kind || 'text', value: value, 'data-path': field, on: {
      input: function (e) {
        var v = e.target.value;
        q[field] = kind === 'number' ? (v === '' ? null : Number(v)) : v;
      }
    } }, attrs || {}));
  }

  function row(label, control, path) {
    return el('div', { 'class': 'row' }, [el('span', { text: label }), el('div', {}, [control, error(path)])]);
  }

  function question(q, s, i, number, earlier) {
    var path = 'sections.' + s + '.questions.' + i;
    var typeSelect = el('select', { 'data-path': 'type', on: { change: function (e) {
      q.type = e.target.value;
      if (WITH_OPTIONS.indexOf(q.type) >= 0 && !(q.options || []).length) q.options = [{ label: '' }, { label: '' }];
      render();
    } } }, TYPES.map(function (t) { return el('option', { value: t[0], selected: q.type === t[0], text: t[1] }); }));
    var tools = el('span', { 'class': 'tools' }, [
      el('button', { type: 'button', title: '上移', text: '↑', on: { click: function () { move(s, i, -1); } } }),
      el('button', { type: 'button', title: '下移', text: '↓', on: { click: function () { move(s, i, 1); } } }),
      el('button', { type: 'button', 'class': 'remove-question', text: '删除', on: { click: function () {
        sections[s].questions.splice(i, 1); render();
      } } })
    ]);
    var required = el('label', {}, [el('input', { type: 'checkbox', checked: q.required !== false, on: {
      change: function (e) { q.required = e.target.checked; } } }), document.createTextNode(' 必答')]);
    var box = el('div', { 'class': 'question', 'data-key': q.key }, [
      el('div', { 'class': 'qhead' }, [el('b', { text: '第' + number + '题' }), typeSelect, required, tools]),
      error(path),
      row('题目', bound(q, 'title', 'text', { maxlength: 200, 'class': 'q-title' }), path + '.title'),
      row('说明（可不填）', bound(q, 'description', 'text', { maxlength: 500 }), path + '.description')
    ]);
    if (WITH_OPTIONS.indexOf(q.type) >= 0) {
      var lines = (q.options || []).map(function (o) { return o.label; }).join('\n');
      // redrawn on leaving the box only when a later question's condition lists these options: redrawing replaces
      // the button the pointer is on, and the click that left the box would be lost
      var area = el('textarea', { 'class': 'q-options', 'data-path': 'options', on: { input: function (e) {
        q.options = e.target.value.split('\n').map(function (l) { return { label: l.trim() }; })
          .filter(function (o) { return o.label; });
      }, change: function () { if (dependents(q.key)) render(); } } });
      area.value = lines;
      var optionErrors = Object.keys(errors).filter(function (k) { return k.indexOf(path + '.options') === 0; })
        .map(function (k) { return el('p', { 'class': 'err', 'data-error': k, text: errors[k] }); });
      box.appendChild(el('div', { 'class': 'row' }, [el('span', { text: '选项（每行一个，2–30个）' }),
        el('div', {}, [area].concat(optionErrors))]));
    }
    if (q.type === 'multiple') {
      box.appendChild(row('最少 / 最多选几项', el('div', { 'class': 'grid' }, [
        bound(q, 'min_choices', 'number', { min: 1, placeholder: '最少（默认1）' }),
        bound(q, 'max_choices', 'number', { min: 1, placeholder: '最多（默认不限）', 'class': 'q-max' })]), path + '.max_choices'));
    } else if (q.type === 'text') {
      if (q.max_length === undefined || q.max_length === null) q.max_length = 500;
      box.appendChild(row('最少 / 最多字数', el('div', { 'class': 'grid' }, [
        bound(q, 'min_length', 'number', { min: 0, placeholder: '最少（默认0）' }),
        bound(q, 'max_length', 'number', { min: 1, max: 2000 })]), path + '.min_length'));
    } else if (q.type === 'scale') {
      if (q.scale_min === undefined) q.scale_min = 1;
      if (q.scale_max === undefined) q.scale_max = 5;
      box.appendChild(row('分值范围与两端说明', el('div', { 'class': 'grid' }, [
        bound(q, 'scale_min', 'number', { min: 0, max: 1 }), bound(q, 'scale_max', 'number', { min: 2, max: 10 }),
        bound(q, 'min_label', 'text', { maxlength: 20, placeholder: '如：非常不满意' }),
        bound(q, 'max_label', 'text', { maxlength: 20, placeholder: '如：非常满意' })]), path + '.scale_max'));
    } else if (q.type === 'number') {
      box.appendChild(row('最小值 / 最大值', el('div', { 'class': 'grid' }, [
        bound(q, 'number_min', 'number', { placeholder: '不限' }), bound(q, 'number_max', 'number', { placeholder: '不限' }),
        el('label', {}, [el('input', { type: 'checkbox', checked: !!q.integer_only, on: { change: function (e) {
          q.integer_only = e.target.checked; } } }), document.createTextNode(' 只能填整数')])]), path + '.number_min'));
    } else if (q.type === 'date') {
      box.appendChild(row('最早 / 最晚日期', el('div', { 'class': 'grid' }, [
        bound(q, 'date_min', 'date'), bound(q, 'date_max', 'date')]), path + '.date_min'));
    }
    // show-if: only an earlier single or multiple choice question can be looked at
    var choices = earlier.filter(function (e) { return e[0].type === 'single' || e[0].type === 'multiple'; });
    var rule = q.show_if || null;
    var pick = el('select', { 'class': 'q-show-if', on: { change: function (e) {
      q.show_if = e.target.value ? { question: e.target.value, options: [] } : null; render();
    } } }, [el('option', { value: '', text: '始终显示' })].concat(choices.map(function (e) {
      return el('option', { value: e[0].key, selected: rule && rule.question === e[0].key,
        text: '当第' + e[1] + '题（' + (e[0].title || '未命名') + '）选择…' });
    })));
    var picks = el('div', { 'class': 'showif' });
    var target = rule && choices.filter(function (e) { return e[0].key === rule.question; })[0];
    if (target) {
      (target[0].options || []).forEach(function (o, n) {
        picks.appendChild(el('label', {}, [el('input', { type: 'checkbox', value: n + 1, checked: rule.options.indexOf(n + 1) >= 0,
          on: { change: function (e) {
            var v = n + 1;
            rule.options = rule.options.filter(function (x) { return x !== v; });
            if (e.target.checked) rule.options.push(v);
          } } }), document.createTextNode(' ' + o.label)]));
      });
    }
    box.appendChild(row('显示条件', el('div', {}, [pick, picks]), path + '.show_if'));
    return box;
  }

  function dependents(key) {
    return every().some(function (e) { return e[0].show_if && e[0].show_if.question === key; });
  }

  function move(s, i, by) {
    var list = sections[s].questions, j = i + by;
    if (j < 0 || j >= list.length) return;
    var q = list.splice(i, 1)[0];
    list.splice(j, 0, q);
    render();
  }

  function render() {
    holder.textContent = '';
    var earlier = [], n = 0;
    errorsAt('sections').forEach(function (p) { holder.appendChild(p); });
    sections.forEach(function (section, s) {
      var card = el('div', { 'class': 'card section', 'data-section': s }, [
        el('div', { 'class': 'qhead' }, [el('b', { text: '第' + (s + 1) + '部分' }),
          el('span', { 'class': 'tools' }, [sections.length > 1 ? el('button', { type: 'button', text: '删除本部分', on: { click: function () {
            sections.splice(s, 1); render(); } } }) : null])]),
        el('div', { 'class': 'row', style: 'display:grid;grid-template-columns:140px 1fr;gap:8px' }, [el('span', { text: '分节标题（可不填）' }),
          bound(section, 'title', 'text', { maxlength: 60, 'class': 'section-title' })]),
        error('sections.' + s + '.questions')
      ]);
      section.questions.forEach(function (q, i) {
        n += 1;
        card.appendChild(question(q, s, i, n, earlier.slice()));
        earlier.push([q, n]);
      });
      card.appendChild(el('button', { type: 'button', 'class': 'btn secondary add-question', text: '添加题目', on: { click: function () {
        section.questions.push({ key: nextKey(), type: 'single', title: '', required: true, options: [{ label: '' }, { label: '' }] });
        render();
      } } }));
      holder.appendChild(card);
    });
  }

  function errorsAt(path) {
    return errors[path] ? [el('p', { 'class': 'err', 'data-error': path, text: errors[path] })] : [];
  }

  // the survey's own fields
  var fields = form.querySelectorAll('#survey-fields [data-field]');
  fields.forEach(function (f) {
    var k = f.getAttribute('data-field'), v = data[k];
    if (f.type === 'checkbox') f.checked = !!v;
    else if (k === 'anonymous') f.value = v === false ? 'false' : 'true';
    else f.value = v === null || v === undefined ? '' : String(v).slice(0, k.slice(-3) === '_at' ? 16 : undefined);
    if (errors[k]) f.insertAdjacentElement('afterend', el('p', { 'class': 'err', 'data-error': k, text: errors[k] }));
  });

  function only(q) {  // the fields of the question's type, so a type changed midway leaves nothing stale behind
    var keep = { key: q.key, type: q.type, title: q.title || '', description: q.description || '',
      required: q.required !== false, show_if: q.show_if && q.show_if.question ? q.show_if : null };
    var extra = { multiple: ['min_choices', 'max_choices'], text: ['min_length', 'max_length'],
      scale: ['scale_min', 'scale_max', 'min_label', 'max_label'], number: ['number_min', 'number_max', 'integer_only'],
      date: ['date_min', 'date_max'] }[q.type] || [];
    if (WITH_OPTIONS.indexOf(q.type) >= 0) keep.options = q.options || [];
    extra.forEach(function (k) { if (q[k] !== undefined && q[k] !== null && q[k] !== '') keep[k] = q[k]; });
    return keep;
  }

  form.addEventListener('submit', function () {
    var doc = { sections: sections.map(function (s) {
      return { title: s.title || '', description: s.description || '', questions: s.questions.map(only) };
    }) };
    fields.forEach(function (f) {
      var k = f.getAttribute('data-field');
      if (f.type === 'checkbox') doc[k] = f.checked;
      else if (k === 'anonymous') doc[k] = f.value === 'true';
      else if (k === 'max_responses' || k === 'opens_at') doc[k] = f.value.trim() || null;
      else doc[k] = f.value;
    });
    document.getElementById('document').value = JSON.stringify(doc);
  });

  if (!sections[0].questions.length && !data.sections) {
    sections[0].questions.push({ key: 'q1', type: 'single', title: '', required: true, options: [{ label: '' }, { label: '' }] });
  }
  document.getElementById('add-section').addEventListener('click', function () {
    sections.push({ title: '', description: '', questions: [] }); render();
  });
  render();
})();
