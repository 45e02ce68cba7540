// The dashboard's charts (Chart.js, vendored): drawn from the JSON the page embeds, which
// holds the very numbers of the tables under each chart (the tables are the source of truth).
(function () {
  "use strict";
  const ready = () => window.Parley && window.Parley.ready && window.Parley.ready();
  const source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") return ready();
  const data = JSON.parse(source.textContent);
  const Chart = window.Chart;
  const accent = "#3557e6";
  const guest = "#f0a030";
  // Drawn at once: a screenshot or a test sees the final chart, and nothing moves for
  // readers who asked for less motion.
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  const percent = (value) => `${Math.round(value * 1000) / 10} %`;

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    const chart = new Chart(canvas, config);
    canvas.dataset.rendered = String(chart.data.labels.length);
  }

  const talk = data.talk;
  draw("chart-talk", {
    type: "bar",
    data: {
      labels: talk.labels,
      datasets: [
        { label: "Talk ratio", data: talk.talk_ratio, backgroundColor: accent },
        { label: "Customer talk ratio", data: talk.customer_talk_ratio, backgroundColor: guest },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, suggestedMax: 1, ticks: { callback: (v) => percent(v) } },
      },
      plugins: {
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${percent(c.parsed.y)}` } },
      },
    },
  });

  draw("chart-weeks", {
    type: "line",
    data: {
      labels: data.weeks.labels,
      datasets: [
        {
          label: "Meetings",
          data: data.weeks.meetings,
          borderColor: accent,
          backgroundColor: accent,
          tension: 0,
        },
      ],
    },
    options: {
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false } },
    },
  });

  draw("chart-topics", {
    type: "bar",
    data: {
      labels: data.topics.labels,
      datasets: [{ label: "Meetings", data: data.topics.meetings, backgroundColor: accent }],
    },
    options: {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false } },
    },
  });
  ready();
})();
