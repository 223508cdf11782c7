// Bar charts of results, drawn with the vendored ECharts from the figures each chart's element carries:
// data-chart='{"labels": [...], "values": [...], "percents": [...]}'. The element holds the same figures as text
// until the chart replaces it, so a page whose script fails still says everything.
(function () {
  if (!window.echarts) return;
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var d = JSON.parse(el.getAttribute('data-chart'));
    el.textContent = '';
    el.style.height = Math.max(96, d.labels.length * 34 + 16) + 'px';
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      grid: { left: 4, right: 84, top: 4, bottom: 4, containLabel: true },
      xAxis: { type: 'value', show: false, max: Math.max.apply(null, d.values.concat([1])) },
      yAxis: {
        type: 'category', inverse: true, data: d.labels,
        axisTick: { show: false }, axisLine: { show: false },
        axisLabel: { width: 120, overflow: 'truncate', color: '#333' }
      },
      series: [{
        type: 'bar', data: d.values, barMaxWidth: 16,
        itemStyle: { color: el.getAttribute('data-color') || '#1a56c4', borderRadius: 3 },
        label: {
          show: true, position: 'right', color: '#666',
          formatter: function (p) { return d.percents ? p.value + '（' + d.percents[p.dataIndex] + '%）' : String(p.value); }
        }
      }]
    });
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
