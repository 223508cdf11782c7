// The dashboard's charts, drawn with the vendored ECharts from the figures each element carries:
// data-figures='{"x": [...], "series": [{"name", "values", "color"}], "type": "bar"|"line", "stack": true, "unit": "%"}'.
// The element holds the same figures as a table until the chart replaces it, so a page whose script fails still
// says everything; the legend is the page's own (the simple build has none).
(function () {
  if (!window.echarts) return;
  var charts = [];
  document.querySelectorAll('[data-figures]').forEach(function (el) {
    var d = JSON.parse(el.getAttribute('data-figures'));
    if (!d.x.length || !d.series.length) return;
    el.textContent = '';
    el.style.height = '240px';
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category', data: d.x,
        axisLabel: { color: '#666', hideOverlap: true, formatter: function (v) { return d.short ? v.slice(5) : v; } }
      },
      yAxis: { type: 'value', minInterval: 1, max: d.unit === '%' ? 100 : null,
        axisLabel: { color: '#666', formatter: '{value}' + (d.unit || '') } },
      series: d.series.map(function (s) {
        return {
          name: s.name, type: d.type || 'bar', data: s.values, stack: d.stack ? 'all' : null,
          connectNulls: true, barMaxWidth: 28, symbolSize: 6,
          itemStyle: { color: s.color }, lineStyle: { color: s.color }
        };
      })
    });
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
