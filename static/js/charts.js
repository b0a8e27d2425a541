/*
  Draws the dashboards' charts with the vendored Chart.js. The page embeds its data with Django's json_script
  (no inline script: the Content-Security-Policy forbids it); every chart has a table of the same figures beside
  it, so nothing is lost without JavaScript. Money arrives as decimal strings and is parsed only to draw.
*/
(function () {
  "use strict";

  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;

  var css = getComputedStyle(document.documentElement);
  function colour(name, fallback) {
    var value = css.getPropertyValue(name).trim();
    return value || fallback;
  }
  var ink = colour("--ink-soft", "#3d4756");
  var line = colour("--line-soft", "#e8ebf0");
  var accent = colour("--accent", "#1f5f99");
  var ok = colour("--ok", "#1d6b3a");
  var palette = [accent, ok, "#b7791f", "#7b4fa0", "#2b8a9a", "#a1241b", "#5c6674", "#c05a8d", "#4a7f2c", "#173a5e"];

  Chart.defaults.font.family = css.getPropertyValue("--font") || "system-ui, sans-serif";
  Chart.defaults.color = ink;
  Chart.defaults.borderColor = line;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  var dateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });
  var monthFormat = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric" });

  function day(iso) {
    // Noon UTC, so no time zone moves a date to the day before.
    return Date.parse(iso + "T12:00:00Z");
  }

  function moneyFormat(currency, compact) {
    return new Intl.NumberFormat("en-GB", {
      style: "currency",
      currency: currency,
      currencyDisplay: "narrowSymbol",
      notation: compact ? "compact" : "standard",
      maximumFractionDigits: compact ? 1 : 2,
    });
  }

  function timeAxis(points) {
    // Linear time in milliseconds (no date adapter needed), bounded by the data so no tick falls outside it.
    var times = points.map(function (p) { return day(p.date); });
    return {
      type: "linear",
      min: Math.min.apply(null, times),
      max: Math.max.apply(null, times),
      ticks: {
        maxTicksLimit: 7,
        callback: function (value) {
          return monthFormat.format(new Date(value));
        },
      },
      grid: { display: false },
    };
  }

  var draw = {
    contributions: function (canvas, chart) {
      var money = moneyFormat(chart.currency, false);
      var compact = moneyFormat(chart.currency, true);
      function series(key) {
        return chart.points
          .filter(function (p) {
            return p[key] !== null;
          })
          .map(function (p) {
            return { x: day(p.date), y: parseFloat(p[key]) };
          });
      }
      return new Chart(canvas, {
        type: "line",
        data: {
          datasets: [
            { label: "Pledged", data: series("pledged"), stepped: true, borderColor: accent, backgroundColor: accent, borderWidth: 2, pointRadius: 3 },
            { label: "Received", data: series("received"), stepped: true, borderColor: ok, backgroundColor: ok, borderWidth: 2, pointRadius: 3 },
          ],
        },
        options: {
          scales: {
            x: timeAxis(chart.points),
            y: { beginAtZero: true, ticks: { callback: function (v) { return compact.format(v); } } },
          },
          plugins: {
            legend: { position: "bottom" },
            tooltip: {
              callbacks: {
                title: function (items) { return dateFormat.format(new Date(items[0].parsed.x)); },
                label: function (item) { return item.dataset.label + ": " + money.format(item.parsed.y); },
              },
            },
          },
        },
      });
    },

    allocation: function (canvas, chart) {
      var money = moneyFormat(chart.currency, false);
      var compact = moneyFormat(chart.currency, true);
      return new Chart(canvas, {
        type: "bar",
        data: {
          labels: chart.items.map(function (i) { return i.label; }),
          datasets: [
            {
              label: chart.label || "Your part",
              data: chart.items.map(function (i) { return parseFloat(i.amount); }),
              backgroundColor: chart.items.map(function (_, n) { return palette[n % palette.length]; }),
              borderRadius: 3,
              maxBarThickness: 28,
            },
          ],
        },
        options: {
          indexAxis: "y",
          scales: {
            x: { beginAtZero: true, ticks: { callback: function (v) { return compact.format(v); } } },
            y: {
              grid: { display: false },
              ticks: {
                // Long area names are cut short on a narrow screen; the table beside the chart has them in full.
                callback: function (value) {
                  var label = this.getLabelForValue(value);
                  var room = canvas.clientWidth < 520 ? 16 : 36;
                  return label.length > room ? label.slice(0, room - 1) + "…" : label;
                },
              },
            },
          },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: function (item) { return money.format(item.parsed.x); } } },
          },
        },
      });
    },

    gbp_usd: function (canvas, chart) {
      return new Chart(canvas, {
        type: "line",
        data: {
          datasets: [
            {
              label: "US dollars per pound",
              data: chart.points.map(function (p) { return { x: day(p.date), y: parseFloat(p.rate) }; }),
              borderColor: accent,
              backgroundColor: accent,
              borderWidth: 2,
              pointRadius: 0,
              pointHitRadius: 6,
            },
          ],
        },
        options: {
          scales: {
            x: timeAxis(chart.points),
            y: { ticks: { callback: function (v) { return "$" + v.toFixed(2); } } },
          },
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                title: function (items) { return dateFormat.format(new Date(items[0].parsed.x)); },
                label: function (item) { return "£1 = $" + item.parsed.y.toFixed(4); },
              },
            },
          },
        },
      });
    },
  };

  // The administrators' charts (grants/reads/admin_charts.py).
  draw.by_area = draw.allocation;
  draw.by_round = draw.allocation;

  draw.pool = function (canvas, chart) {
    var gbp = moneyFormat("GBP", true);
    var usd = moneyFormat("USD", true);
    function series(key) {
      return chart.points.map(function (p) { return { x: day(p.date), y: parseFloat(p[key]) }; });
    }
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: "Pool in pounds", data: series("gbp"), borderColor: accent, backgroundColor: accent, borderWidth: 2, pointRadius: 2 },
          { label: "Pool in dollars", data: series("usd"), borderColor: ok, backgroundColor: ok, borderWidth: 2, pointRadius: 2 },
        ],
      },
      options: {
        scales: { x: timeAxis(chart.points), y: { beginAtZero: true, ticks: { callback: function (v) { return gbp.format(v).replace("£", ""); } } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) { return dateFormat.format(new Date(items[0].parsed.x)); },
              label: function (item) { return item.dataset.label + ": " + (item.datasetIndex === 0 ? gbp : usd).format(item.parsed.y); },
            },
          },
        },
      },
    });
  };

  draw.cash_calendar = function (canvas, chart) {
    var money = moneyFormat(chart.currency, false);
    var compact = moneyFormat(chart.currency, true);
    var labels = chart.months.map(function (m) { return monthFormat.format(new Date(day(m.month))); });
    return new Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "bar", label: "Payments scheduled", data: chart.months.map(function (m) { return parseFloat(m.payments); }), backgroundColor: accent, borderRadius: 3, maxBarThickness: 28 },
          { type: "line", label: "Pounds left after", data: chart.months.map(function (m) { return parseFloat(m.cash_after); }), borderColor: ok, backgroundColor: ok, borderWidth: 2, pointRadius: 2 },
        ],
      },
      options: {
        scales: { x: { grid: { display: false } }, y: { ticks: { callback: function (v) { return compact.format(v); } } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + money.format(item.parsed.y); } } },
        },
      },
    });
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var name = canvas.getAttribute("data-chart");
    var chart = data[name];
    if (!chart || !draw[name]) {
      return;
    }
    var empty = (chart.points && chart.points.length === 0) || (chart.items && chart.items.length === 0) ||
      (chart.months && chart.months.length === 0);
    if (empty) {
      canvas.parentNode.hidden = true;
      return;
    }
    draw[name](canvas, chart);
  });
})();
