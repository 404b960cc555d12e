/*
 * Metrics Anomaly Detector — dashboard.
 *
 * Vanilla JS, no build step. Every piece of text that comes from data is inserted with
 * textContent / createTextNode; innerHTML is never used.
 */
(function () {
  'use strict';

  var DASH = '\u2013'; // "–", shown for every missing number

  // ---------------------------------------------------------------- settings from the template

  var body = document.body;
  var SETTINGS = {
    chartPoints: positiveInt(body.dataset.chartPoints, 300),
    baselineSeconds: positiveInt(body.dataset.baselineSeconds, 60),
    authRequired: body.dataset.authRequired === 'true',
    maxUploadMb: positiveNumber(body.dataset.maxUploadMb, 0)
  };

  function positiveInt(v, dflt) {
    var n = parseInt(v, 10);
    return isFinite(n) && n > 0 ? n : dflt;
  }

  function positiveNumber(v, dflt) {
    var n = parseFloat(v);
    return isFinite(n) && n > 0 ? n : dflt;
  }

  // ---------------------------------------------------------------- metrics

  var METRICS = [
    { name: 'cpu_percent', label: 'CPU', unit: '%', scale: 'percent', color: '#2563eb' },
    { name: 'cpu_frequency', label: 'CPU frequency', unit: 'MHz', scale: 'max', color: '#7c3aed', digits: 0 },
    { name: 'memory_percent', label: 'Memory', unit: '%', scale: 'percent', color: '#0891b2' },
    { name: 'memory_available_gb', label: 'Memory available', unit: 'GB', scale: 'max', color: '#0d9488', digits: 2 },
    { name: 'disk_read_mb', label: 'Disk read', unit: 'MB/s', scale: 'rate', color: '#4f46e5' },
    { name: 'disk_write_mb', label: 'Disk write', unit: 'MB/s', scale: 'rate', color: '#9333ea' },
    { name: 'network_sent_mb', label: 'Network sent', unit: 'MB/s', scale: 'rate', color: '#0369a1' },
    { name: 'network_recv_mb', label: 'Network received', unit: 'MB/s', scale: 'rate', color: '#15803d' }
  ];
  var METRIC_BY_NAME = {};
  METRICS.forEach(function (m) { METRIC_BY_NAME[m.name] = m; });

  // ---------------------------------------------------------------- small helpers

  function $(id) { return document.getElementById(id); }

  // A hub's page shows one host at a time: ?host=NAME (without it, the hub's own or the first).
  var VIEW_HOST = new URLSearchParams(window.location.search).get('host') || '';

  /** The per-host API routes take ?host= for the host this page shows. */
  function hostUrl(url) {
    if (!VIEW_HOST) return url;
    return url + (url.indexOf('?') < 0 ? '?' : '&') + 'host=' + encodeURIComponent(VIEW_HOST);
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function num(v) {
    if (typeof v === 'number') return isFinite(v) ? v : null;
    if (typeof v === 'string' && v.trim() !== '') {
      var n = Number(v);
      return isFinite(n) ? n : null;
    }
    return null;
  }

  function fixed(v, digits) {
    var n = num(v);
    return n === null ? DASH : n.toFixed(digits);
  }

  function autoDigits(n) {
    var a = Math.abs(n);
    if (a >= 100) return 0;
    if (a >= 10) return 1;
    if (a >= 0.1 || a === 0) return 2;
    return 3;
  }

  function fmtInt(v) {
    var n = num(v);
    return n === null ? DASH : Math.round(n).toLocaleString();
  }

  /** A metric value with its unit, "–" when missing. */
  function fmtMetric(name, v) {
    var n = num(v);
    if (n === null) return DASH;
    var m = METRIC_BY_NAME[name];
    if (!m) return n.toFixed(autoDigits(n));
    var digits = m.digits !== undefined ? m.digits : (m.unit === '%' ? 1 : autoDigits(n));
    return n.toFixed(digits) + (m.unit === '%' ? ' %' : ' ' + m.unit);
  }

  function fmtPlain(v) {
    var n = num(v);
    return n === null ? DASH : n.toFixed(autoDigits(n));
  }

  function fmtScore(v) {
    return fixed(v, 3);
  }

  function fmtPercent(ratio, digits) {
    var n = num(ratio);
    return n === null ? DASH : (n * 100).toFixed(digits === undefined ? 1 : digits) + ' %';
  }

  /** Seconds as "45 s", "20 min 34 s", "3 h 02 min 05 s", "2 d 3 h 04 min 05 s". */
  function fmtDuration(seconds) {
    var n = num(seconds);
    if (n === null || n < 0) return DASH;
    var s = Math.floor(n);
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    var pad = function (x) { return x < 10 ? '0' + x : String(x); };
    if (d > 0) return d + ' d ' + h + ' h ' + pad(m) + ' min ' + pad(s) + ' s';
    if (h > 0) return h + ' h ' + pad(m) + ' min ' + pad(s) + ' s';
    if (m > 0) return m + ' min ' + pad(s) + ' s';
    return s + ' s';
  }

  function fmtMillis(ms) {
    var n = num(ms);
    if (n === null) return DASH;
    if (n < 1000) return Math.round(n) + ' ms';
    if (n < 60000) return (n / 1000).toFixed(1) + ' s';
    return fmtDuration(n / 1000);
  }

  function parseDate(v) {
    if (v === null || v === undefined || v === '') return null;
    var d = typeof v === 'number' ? new Date(v) : new Date(String(v));
    return isNaN(d.getTime()) ? null : d;
  }

  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  // Every time the page shows (cards, incidents, tables, chart axes and hover) is written by these
  // formatters, in the browser's locale and its clock (12- or 24-hour), so it reads the same everywhere.
  var TIME_PARTS = { hour: 'numeric', minute: '2-digit', second: '2-digit' };
  var DATE_PARTS = { year: 'numeric', month: 'numeric', day: 'numeric' };
  var CLOCK = {
    time: new Intl.DateTimeFormat(undefined, TIME_PARTS),
    minutes: new Intl.DateTimeFormat(undefined, { hour: TIME_PARTS.hour, minute: TIME_PARTS.minute }),
    date: new Intl.DateTimeFormat(undefined, DATE_PARTS),
    dateTime: new Intl.DateTimeFormat(undefined, Object.assign({}, DATE_PARTS, TIME_PARTS))
  };

  function fmtTime(v) {
    var d = parseDate(v);
    return d ? CLOCK.time.format(d) : DASH;
  }

  /** Time only when today, date and time otherwise. */
  function fmtWhen(v) {
    var d = parseDate(v);
    if (!d) return DASH;
    return sameDay(d, new Date()) ? CLOCK.time.format(d) : CLOCK.dateTime.format(d);
  }

  function fmtDateTime(v) {
    var d = parseDate(v);
    return d ? CLOCK.dateTime.format(d) : DASH;
  }

  var DATA_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

  /**
   * A timestamp as an analysed file wrote it, in the page's format when it is an ISO-style date and time,
   * else the text itself. A time without an offset is the file's wall clock and keeps its digits.
   */
  function fmtDataTime(raw) {
    var t = text(raw).trim();
    var m = DATA_TIME.exec(t);
    if (!m) return t || DASH;
    var f = function (i) { return m[i] ? Number(m[i]) : 0; };
    var ms = m[7] ? Number((m[7] + '00').substring(0, 3)) : 0;
    var d;
    if (m[8]) {
      var off = m[8].toUpperCase() === 'Z' ? 0 : (m[8][0] === '-' ? -1 : 1) *
        (Number(m[8].substring(1, 3)) * 60 + Number(m[8].replace(':', '').substring(3, 5)));
      d = new Date(Date.UTC(f(1), f(2) - 1, f(3), f(4), f(5), f(6), ms) - off * 60000);
    } else {
      d = new Date(f(1), f(2) - 1, f(3), f(4), f(5), f(6), ms);
    }
    return isNaN(d.getTime()) ? t : CLOCK.dateTime.format(d);
  }

  /** A table cell with a file's timestamp in the page's format, the text as written in its tooltip. */
  function dataTimeCell(raw) {
    var td = el('td', 'nowrap', fmtDataTime(raw));
    if (text(raw)) td.title = text(raw);
    return td;
  }

  function text(v) {
    return v === null || v === undefined ? '' : String(v);
  }

  function setText(id, value) {
    var node = typeof id === 'string' ? $(id) : id;
    if (node) node.textContent = value;
  }

  // ---------------------------------------------------------------- HTTP

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }
  ApiError.prototype = Object.create(Error.prototype);

  /**
   * GET {@code url} as JSON; with {@code payload}, POST it as JSON (the routes that change something take
   * only application/json). Rejects with an ApiError carrying the server's {error} text.
   */
  function fetchJson(url, payload) {
    var init = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (payload !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init)
      .then(function (res) {
        return res.text().then(function (body) {
          var data = null;
          if (body) {
            try { data = JSON.parse(body); } catch (e) { data = null; }
          }
          if (!res.ok) {
            var msg = data && typeof data.error === 'string' ? data.error : ('HTTP ' + res.status);
            if (res.status === 401) needLogin();
            throw new ApiError(res.status, msg);
          }
          return data || {};
        });
      }, function (err) {
        throw new ApiError(0, 'network error: ' + (err && err.message ? err.message : 'unreachable'));
      });
  }

  // ---------------------------------------------------------------- login

  var loginShown = false;

  function needLogin() {
    if (!SETTINGS.authRequired || loginShown) return;
    loginShown = true;
    var form = $('login-form');
    form.hidden = false;
    var input = $('login-token');
    if (input) input.focus();
  }

  function initLogin() {
    var form = $('login-form');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var token = $('login-token').value;
      var params = new URLSearchParams();
      params.set('token', token);
      setText('login-status', 'Signing in\u2026');
      fetch('/login', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: params.toString()
      }).then(function (res) {
        if (res.ok || res.redirected || (res.status >= 300 && res.status < 400)) {
          window.location.reload();
        } else if (res.status === 401 || res.status === 403) {
          setText('login-status', 'Wrong token.');
        } else {
          setText('login-status', 'Sign-in failed (HTTP ' + res.status + ').');
        }
      }, function () {
        setText('login-status', 'Sign-in failed: server unreachable.');
      });
    });
  }

  // ---------------------------------------------------------------- status and stats

  var uptime = { base: null, at: 0 };
  var lastStatus = null;

  function applyStatus(s, withUptime) {
    if (!s || typeof s !== 'object') return;
    var wasOpen = lastStatus ? lastStatus.incident_open : undefined;
    lastStatus = s;
    // whether an incident loaded from /api is still going on is the detector's word (see currentIncident)
    if (s.incident_open !== wasOpen) renderIncidents();
    if (s.status === 'error') {
      showStatusError(s.error ? text(s.error) : 'detector error');
      if (withUptime && num(s.uptime) !== null) {
        uptime.base = num(s.uptime);
        uptime.at = Date.now();
        renderUptime();
      }
      return;
    }
    var badge = $('status');
    var label = badge.querySelector('.badge-label');
    var prog = $('baseline-progress');
    var pct = $('baseline-percent');
    if (s.status === 'active' || (s.status !== 'learning' && s.is_trained === true)) {
      badge.className = 'badge badge-active';
      label.textContent = 'Active';
      prog.hidden = true;
      pct.hidden = true;
      pct.textContent = '';
      prog.value = 1;
    } else {
      var p = num(s.baseline_progress);
      p = p === null ? 0 : Math.max(0, Math.min(1, p));
      badge.className = 'badge badge-learning';
      label.textContent = 'Learning';
      prog.hidden = false;
      pct.hidden = false;
      prog.value = p;
      pct.textContent = Math.floor(p * 100) + '%';
    }
    badge.removeAttribute('title');

    if (s.host) {
      setText('host-name', text(s.host));
      document.title = 'Metrics Anomaly Detector \u00b7 ' + text(s.host);
    }
    setText('stat-data-points', fmtInt(s.data_points));
    if (s.is_trained) {
      var trainedAt = parseDate(s.model_trained_at);
      var age = num(s.model_age_seconds);
      var t = trainedAt ? fmtWhen(trainedAt) : 'yes';
      if (age !== null) t += ' (' + fmtDuration(age) + ' ago)';
      setText('stat-model-trained', t);
      setText('stat-training-samples', fmtInt(s.training_samples));
      setText('stat-threshold', fmtScore(s.threshold));
    } else {
      setText('stat-model-trained', 'not yet');
      setText('stat-training-samples', DASH);
      setText('stat-threshold', DASH);
    }
    if (num(s.last_score) !== null) setText('stat-last-score', fmtScore(s.last_score));

    if (withUptime && num(s.uptime) !== null) {
      uptime.base = num(s.uptime);
      uptime.at = Date.now();
      renderUptime();
    }
  }

  function showStatusError(message) {
    var badge = $('status');
    badge.className = 'badge badge-error';
    badge.querySelector('.badge-label').textContent = 'Error';
    $('baseline-progress').hidden = true;
    $('baseline-percent').hidden = true;
    $('baseline-percent').textContent = '';
    badge.title = message || 'status unavailable';
  }

  function renderUptime() {
    if (uptime.base === null) return;
    setText('stat-uptime', fmtDuration(uptime.base + (Date.now() - uptime.at) / 1000));
  }

  function loadStatus() {
    return fetchJson(hostUrl('/api/status')).then(function (s) {
      applyStatus(s, true);
    }, function (err) {
      showStatusError(err.message);
    });
  }

  function noteSampleHost(sample) {
    if (sample && sample.host && !$('host-name').textContent) {
      setText('host-name', text(sample.host));
    }
  }

  // ---------------------------------------------------------------- live samples: cards and charts

  var live = [];            // samples, oldest first, at most SETTINGS.chartPoints
  var charts = {};          // metric -> uPlot
  var chartsDirty = false;

  function sampleTs(sample) {
    return num(sample && sample.timestamp);
  }

  function addSample(sample, redraw) {
    var ts = sampleTs(sample);
    if (ts === null) return;
    var n = live.length;
    if (n === 0 || ts > sampleTs(live[n - 1])) {
      live.push(sample);
    } else {
      // out of order or duplicate: replace or insert in place
      var i = n - 1;
      while (i >= 0 && sampleTs(live[i]) > ts) i--;
      if (i >= 0 && sampleTs(live[i]) === ts) live[i] = sample;
      else live.splice(i + 1, 0, sample);
    }
    if (live.length > SETTINGS.chartPoints) live.splice(0, live.length - SETTINGS.chartPoints);
    if (redraw !== false) {
      updateCards();
      scheduleCharts();
    }
    var score = num(sample.anomaly_score);
    if (score !== null) setText('stat-last-score', fmtScore(score));
    noteSampleHost(sample);
  }

  function windowMax(name) {
    var max = null;
    for (var i = 0; i < live.length; i++) {
      var v = num(live[i][name]);
      if (v !== null && (max === null || v > max)) max = v;
    }
    return max;
  }

  function updateCards() {
    var latest = live.length ? live[live.length - 1] : null;
    var open = currentIncident();
    var causes = open ? incidentCauses(open) : [];
    METRICS.forEach(function (m) {
      var card = document.querySelector('.metric-card[data-metric="' + m.name + '"]');
      if (!card) return;
      var v = latest ? num(latest[m.name]) : null;
      card.querySelector('.value').textContent = fmtMetric(m.name, v);
      var ratio = 0;
      if (v !== null) {
        if (m.scale === 'percent') {
          ratio = v / 100;
        } else if (m.scale === 'rate') {
          // relative to the largest rate in the chart window, at least 1 MB/s, on a log-ish scale
          var top = Math.max(windowMax(m.name) || 0, 1);
          ratio = Math.log1p(Math.max(v, 0)) / Math.log1p(top);
        } else {
          var mx = windowMax(m.name);
          ratio = mx && mx > 0 ? v / mx : 0;
        }
      }
      ratio = Math.max(0, Math.min(1, ratio));
      var bar = card.querySelector('.bar');
      bar.style.width = (ratio * 100).toFixed(1) + '%';
      bar.setAttribute('aria-valuenow', String(Math.round(ratio * 100)));
      var cause = causes.indexOf(m.name) >= 0;
      card.classList.toggle('is-anomaly', cause);
      if (cause) card.title = 'One of the causes of the open incident';
      else card.removeAttribute('title');
      card.classList.toggle('level-high', m.scale === 'percent' && v !== null && v >= 90);
      card.classList.toggle('level-warn', m.scale === 'percent' && v !== null && v >= 75 && v < 90);
    });
  }

  function scheduleCharts() {
    if (chartsDirty) return;
    chartsDirty = true;
    window.requestAnimationFrame(function () {
      chartsDirty = false;
      drawCharts();
    });
  }

  /** For each live sample, the incident it was flagged in (null when not flagged or not known). */
  function liveIncidents() {
    var spans = incidentSpans(sortedIncidents());
    return live.map(function (s) {
      return s.is_anomaly === true ? incidentAt(spans, sampleTs(s)) : null;
    });
  }

  /** One chart's data; a point carries an anomaly dot only where this metric explains the flag. */
  function liveData(name, owners) {
    var xs = new Array(live.length);
    var ys = new Array(live.length);
    var an = new Array(live.length);
    for (var i = 0; i < live.length; i++) {
      var s = live[i];
      var v = num(s[name]);
      xs[i] = sampleTs(s) / 1000;
      ys[i] = v;
      an[i] = owners && owners[i] && v !== null && explainsSample(owners[i], name, s) ? v : null;
    }
    return [xs, ys, an];
  }

  function drawCharts() {
    if (typeof uPlot === 'undefined') return;
    var owners = liveIncidents();
    METRICS.forEach(function (m) {
      var u = charts[m.name];
      if (u) u.setData(liveData(m.name, owners));
    });
  }

  var AXIS_FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

  /** Y-axis labels with as many decimals as the tick step needs; thousands as "k". */
  function axisLabels(u, splits) {
    var step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 0;
    var big = splits.some(function (v) { return Math.abs(v) >= 10000; });
    if (big) step /= 1000;
    var decimals = 0;
    while (step > 0 && decimals < 6 && Math.abs(step * Math.pow(10, decimals) - Math.round(step * Math.pow(10, decimals))) > 1e-6) {
      decimals++;
    }
    return splits.map(function (v) {
      if (v === null || v === undefined || !isFinite(v)) return '';
      var x = big ? v / 1000 : v;
      return x.toFixed(decimals) + (big ? 'k' : '');
    });
  }

  /**
   * Labels of a time axis (uPlot's seconds) in the page's time format: with seconds when the ticks are
   * seconds apart; on an axis that spans days, the date under the first tick of each day.
   */
  function timeAxisLabels(u, splits) {
    var step = splits.length > 1 ? splits[1] - splits[0] : 1;
    var clock = step >= 60 && step % 60 === 0 ? CLOCK.minutes : CLOCK.time;
    var ends = splits.filter(function (v) { return v !== null && v !== undefined; });
    var manyDays = ends.length > 1 && !sameDay(new Date(ends[0] * 1000), new Date(ends[ends.length - 1] * 1000));
    var prev = null;
    return splits.map(function (v) {
      if (v === null || v === undefined) return '';
      var d = new Date(v * 1000);
      if (step >= 86400) return CLOCK.date.format(d);
      var label = clock.format(d);
      if (manyDays && (!prev || !sameDay(prev, d))) label += '\n' + CLOCK.date.format(d);
      prev = d;
      return label;
    });
  }

  function baseAxes(ySize, xOpts) {
    var common = {
      stroke: '#6b7280',
      font: AXIS_FONT,
      grid: { stroke: '#eceef2', width: 1 },
      ticks: { stroke: '#eceef2', width: 1, size: 4 }
    };
    return [
      Object.assign({}, common, { size: 28, space: 50 }, xOpts || {}),
      Object.assign({}, common, {
        size: ySize || 44,
        space: 24,
        values: axisLabels
      })
    ];
  }

  function zeroRange(capAt) {
    return function (u, min, max) {
      if (min === null || max === null || !isFinite(min) || !isFinite(max)) return [0, capAt || 1];
      var lo = Math.min(0, min);
      var hi = max <= 0 ? 1 : max * 1.15;
      if (capAt) hi = Math.min(capAt, Math.max(hi, 5));
      return [lo, hi];
    };
  }

  function autoRange(u, min, max) {
    if (min === null || max === null || !isFinite(min) || !isFinite(max)) return [0, 1];
    if (min === max) {
      var pad = Math.abs(min) * 0.05 || 1;
      return [min - pad, max + pad];
    }
    var span = max - min;
    return [min - span * 0.1, max + span * 0.1];
  }

  function anomalySeries(label) {
    return {
      label: label || 'anomaly',
      stroke: '#dc2626',
      fill: '#dc2626',
      width: 0,
      paths: function () { return null; },
      points: { show: true, size: 7, width: 1, stroke: '#b91c1c', fill: '#ef4444' }
    };
  }

  function chartHeight(container, dflt) {
    var h = container.clientHeight;
    return h > 60 ? h : dflt;
  }

  function observeSize(container, getChart) {
    if (typeof ResizeObserver === 'undefined') {
      window.addEventListener('resize', function () {
        var u = getChart();
        if (u) u.setSize({ width: Math.max(container.clientWidth, 100), height: u.height });
      });
      return;
    }
    var lastW = -1;
    var ro = new ResizeObserver(function () {
      var u = getChart();
      var w = Math.floor(container.clientWidth);
      if (!u || w <= 0 || w === lastW) return;
      lastW = w;
      u.setSize({ width: w, height: u.height });
    });
    ro.observe(container);
  }

  function makeLiveChart(m) {
    var container = $('chart-' + m.name);
    if (!container) return;
    var caption = container.parentNode.querySelector('figcaption .hover');
    var opts = {
      width: Math.max(container.clientWidth, 100),
      height: chartHeight(container, 150),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: true },
        y: { range: m.scale === 'max' ? autoRange : zeroRange(m.scale === 'percent' ? 100 : 0) }
      },
      series: [
        {},
        {
          label: m.label,
          stroke: m.color,
          width: 1.5,
          fill: hexToRgba(m.color, 0.08),
          points: { show: false }
        },
        anomalySeries()
      ],
      axes: baseAxes(44, {
        space: 80, // a label like "11:42:05 PM"
        incrs: [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400],
        values: timeAxisLabels
      }),
      hooks: {
        setCursor: [function (u) {
          if (!caption) return;
          var i = u.cursor.idx;
          if (i === null || i === undefined || !u.data[0] || u.data[0][i] === undefined) {
            caption.textContent = '';
            return;
          }
          caption.textContent = fmtTime(u.data[0][i] * 1000) + '  ' + fmtMetric(m.name, u.data[1][i]);
        }]
      }
    };
    var u = new uPlot(opts, liveData(m.name, liveIncidents()), container);
    charts[m.name] = u;
    observeSize(container, function () { return charts[m.name]; });
  }

  function hexToRgba(hex, alpha) {
    var h = hex.replace('#', '');
    var r = parseInt(h.substring(0, 2), 16);
    var g = parseInt(h.substring(2, 4), 16);
    var b = parseInt(h.substring(4, 6), 16);
    return 'rgba(' + r + ',' + g + ',' + b + ',' + alpha + ')';
  }

  function initCharts() {
    if (typeof uPlot === 'undefined') {
      console.warn('uPlot is not loaded; charts disabled');
      return;
    }
    METRICS.forEach(function (m) {
      var fig = $('chart-' + m.name);
      if (fig) {
        var cap = fig.parentNode.querySelector('figcaption');
        if (cap && !cap.querySelector('.hover')) cap.appendChild(el('span', 'hover'));
      }
      makeLiveChart(m);
    });
  }

  function loadChartData() {
    return fetchJson(hostUrl('/api/chart-data')).then(function (data) {
      var points = data && Array.isArray(data.points) ? data.points : [];
      points.forEach(function (p) { addSample(p, false); });
      if (!points.length && !live.length) {
        return fetchJson(hostUrl('/api/metrics')).then(function (s) {
          if (s && sampleTs(s) !== null) addSample(s, false);
        }, function () { /* nothing yet */ });
      }
    }, function (err) {
      console.warn('chart data:', err.message);
    }).then(function () {
      updateCards();
      scheduleCharts();
    });
  }

  // ---------------------------------------------------------------- incidents

  var incidents = new Map(); // id -> incident
  // Every incident the page has known (loaded from /api/anomalies or received live): what the counter
  // counts. The detector's status counts only those opened since it started, not an earlier run's.
  var incidentIds = new Set();
  var liveIncidentIds = new Set(); // those the bus told of, whose "closed" event will come
  var MAX_INCIDENTS = 15;

  function incidentKey(inc) {
    var s = parseDate(inc.started) || parseDate(inc.timestamp);
    return s ? s.getTime() : 0;
  }

  function upsertIncident(inc) {
    if (!inc || inc.id === undefined || inc.id === null) return;
    incidents.set(String(inc.id), inc);
    incidentIds.add(String(inc.id));
  }

  function sortedIncidents() {
    var all = Array.from(incidents.values());
    all.sort(function (a, b) {
      var d = incidentKey(b) - incidentKey(a);
      if (d !== 0) return d;
      return (num(b.id) || 0) - (num(a.id) || 0);
    });
    return all;
  }

  /**
   * The incident still going on, if any: the newest one unless it has ended. One received on the bus is
   * open until its "closed" event; one only loaded from /api/anomalies is open if the detector says an
   * incident is (an earlier run that stopped during an incident never closed it).
   */
  function currentIncident() {
    var newest = sortedIncidents()[0];
    if (!newest || (newest.ended !== null && newest.ended !== undefined)) return null;
    if (!liveIncidentIds.has(String(newest.id)) && lastStatus && lastStatus.incident_open === false) return null;
    return newest;
  }

  /** The time spans of {@code known} incidents (newest first), for {@link incidentAt}. */
  function incidentSpans(known) {
    return known.map(function (inc) {
      var started = parseDate(inc.started || inc.timestamp);
      var ended = parseDate(inc.ended);
      return { incident: inc, from: started ? started.getTime() : null, to: ended ? ended.getTime() : Infinity };
    });
  }

  /** The incident whose span holds {@code ts}, or null. */
  function incidentAt(spans, ts) {
    if (ts === null) return null;
    for (var i = 0; i < spans.length; i++) {
      if (spans[i].from !== null && ts >= spans[i].from && ts <= spans[i].to) return spans[i].incident;
    }
    return null;
  }

  /**
   * The metrics an incident names as its causes, the same ones its severity factors name: those its
   * detectors fired on (a rule, a z-score past the threshold), else its largest contribution (an unusual
   * combination that only the forest saw). Contributions are shares on a log scale and give every metric
   * that moved some part, so a share alone does not make a cause.
   */
  function incidentCauses(inc) {
    var causes = [];
    (Array.isArray(inc.detectors) ? inc.detectors : []).forEach(function (d) {
      var name = d ? text(d.metric) : '';
      if (METRIC_BY_NAME[name] && causes.indexOf(name) < 0) causes.push(name);
    });
    if (!causes.length) {
      var top = contributionEntries(inc.contributions)[0];
      if (top && METRIC_BY_NAME[top[0]]) causes.push(top[0]);
    }
    return causes;
  }

  /** Relative gap between the usual and the peak value below which the peak says nothing about a sample. */
  var PEAK_NEAR_USUAL = 0.05;

  /**
   * Whether {@code metric} explains flagged sample {@code s} of incident {@code inc}: it is one of the
   * incident's causes and, on this sample, at least half way from its usual value to its value at the
   * incident's peak. A metric that spiked once in a long incident gets one dot, not one per sample; when
   * the peak is about the usual value (a rule on a level usual here) every sample of the incident counts.
   */
  function explainsSample(inc, metric, s) {
    if (incidentCauses(inc).indexOf(metric) < 0) return false;
    var usual = num(inc.expected && inc.expected[metric]);
    var peak = num(inc.metrics && inc.metrics[metric]);
    var v = num(s[metric]);
    if (usual === null || peak === null || v === null) return true;
    var gap = peak - usual;
    if (Math.abs(gap) <= PEAK_NEAR_USUAL * Math.max(Math.abs(peak), Math.abs(usual))) return true;
    return (v - usual) / gap >= 0.5;
  }

  function renderIncidents() {
    var all = sortedIncidents();
    // keep memory bounded: forget incidents far beyond what is shown
    if (all.length > MAX_INCIDENTS * 4) {
      all.slice(MAX_INCIDENTS * 4).forEach(function (inc) { incidents.delete(String(inc.id)); });
    }
    var list = $('incident-list');
    var frag = document.createDocumentFragment();
    var open = currentIncident();
    all.slice(0, MAX_INCIDENTS).forEach(function (inc) { frag.appendChild(incidentItem(inc, inc === open)); });
    clear(list);
    list.appendChild(frag);
    $('incident-empty').hidden = all.length > 0;
    setText('stat-incidents', fmtInt(incidentIds.size));
    setText('incident-note', incidentIds.size > MAX_INCIDENTS
      ? 'newest ' + MAX_INCIDENTS + ' of ' + fmtInt(incidentIds.size) : 'newest first');
    // what the cards and the charts mark follows the incidents
    updateCards();
    scheduleCharts();
  }

  function severityClass(sev) {
    var s = text(sev).toLowerCase();
    return s === 'critical' || s === 'high' || s === 'medium' ? s : 'unknown';
  }

  function contributionEntries(contribs) {
    var entries = [];
    if (!contribs) return entries;
    if (typeof contribs === 'string') {
      contribs.split(';').forEach(function (part) {
        var eq = part.lastIndexOf('=');
        if (eq <= 0) return;
        var v = num(part.substring(eq + 1).trim());
        if (v !== null) entries.push([part.substring(0, eq).trim(), v]);
      });
    } else if (typeof contribs === 'object') {
      Object.keys(contribs).forEach(function (k) {
        var v = num(contribs[k]);
        if (v !== null) entries.push([k, v]);
      });
    }
    entries.sort(function (a, b) { return b[1] - a[1]; });
    return entries;
  }

  function contributionBars(entries, limit) {
    var wrap = el('div', 'contribs');
    entries.slice(0, limit || entries.length).forEach(function (e) {
      var row = el('div', 'contrib');
      row.appendChild(el('span', 'contrib-name', e[0]));
      var track = el('span', 'contrib-track');
      var fill = el('span', 'contrib-fill');
      fill.style.width = Math.max(0, Math.min(100, e[1])).toFixed(1) + '%';
      track.appendChild(fill);
      row.appendChild(track);
      row.appendChild(el('span', 'contrib-pct', e[1].toFixed(1) + ' %'));
      wrap.appendChild(row);
    });
    return wrap;
  }

  function incidentItem(inc, ongoing) {
    var sev = severityClass(inc.severity);
    var li = el('li', 'incident severity-' + sev + (ongoing ? ' is-ongoing' : ''));
    li.dataset.id = text(inc.id);

    var head = el('div', 'incident-head');
    head.appendChild(el('span', 'sev sev-' + sev, sev === 'unknown' ? 'anomaly' : sev));
    if (ongoing) head.appendChild(el('span', 'ongoing', 'ongoing'));
    var meta = el('span', 'incident-meta');
    var time = el('time', 'incident-time', fmtWhen(inc.started || inc.timestamp));
    var started = parseDate(inc.started || inc.timestamp);
    if (started) time.setAttribute('datetime', started.toISOString());
    meta.appendChild(time);
    meta.appendChild(el('span', 'incident-duration', fmtDuration(inc.duration_s)));
    if (inc.host) meta.appendChild(el('span', 'incident-host', text(inc.host)));
    if (num(inc.samples) !== null) {
      meta.appendChild(el('span', 'incident-samples', fmtInt(inc.samples) + (num(inc.samples) === 1 ? ' sample' : ' samples')));
    }
    if (num(inc.anomaly_score) !== null) meta.appendChild(el('span', 'incident-score', 'score ' + fmtScore(inc.anomaly_score)));
    head.appendChild(meta);
    li.appendChild(head);

    li.appendChild(el('p', 'incident-reason', inc.reason ? text(inc.reason) : 'Anomalous behaviour'));

    if (Array.isArray(inc.severity_factors) && inc.severity_factors.length) {
      var factors = el('ul', 'factors');
      inc.severity_factors.forEach(function (f) { factors.appendChild(el('li', 'factor', text(f))); });
      li.appendChild(factors);
    }

    var entries = contributionEntries(inc.contributions);
    if (entries.length) {
      var body = el('div', 'incident-body');
      body.appendChild(contributionBars(entries, 5));

      var expected = inc.expected || {};
      var actual = inc.metrics || {};
      var top = entries.slice(0, 3).filter(function (e) {
        return num(expected[e[0]]) !== null || num(actual[e[0]]) !== null;
      });
      if (top.length) {
        var table = el('table', 'expected-table');
        var thead = el('thead');
        var hr = el('tr');
        ['Metric', 'Expected', 'Actual'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
        thead.appendChild(hr);
        table.appendChild(thead);
        var tb = el('tbody');
        top.forEach(function (e) {
          var tr = el('tr');
          tr.appendChild(el('td', 'metric', e[0]));
          tr.appendChild(el('td', 'num', fmtMetric(e[0], expected[e[0]])));
          tr.appendChild(el('td', 'num actual', fmtMetric(e[0], actual[e[0]])));
          tb.appendChild(tr);
        });
        table.appendChild(tb);
        body.appendChild(table);
      }
      li.appendChild(body);
    }
    return li;
  }

  function loadIncidents() {
    return fetchJson(hostUrl('/api/anomalies')).then(function (data) {
      var list = data && Array.isArray(data.incidents) ? data.incidents : [];
      list.forEach(upsertIncident);
      renderIncidents();
    }, function (err) {
      console.warn('incidents:', err.message);
      renderIncidents();
    });
  }

  // ---------------------------------------------------------------- incident history (GET /api/incidents)

  /*
   * The incidents kept in the server's database, filtered and paged by GET /api/incidents, and the
   * detail of one with the actions a person takes on it (acknowledge, resolve, false alarm, silences).
   * The page asks again after each action and whenever the bus says an incident changed or was worked.
   */
  var IH_PAGE = 20;
  var IH_BY_KEY = 'mad.dashboard.by';
  var IH_DEFAULT_BY = 'dashboard';
  var IH_REASON_CHARS = 90;
  var PAGE_PARAMS = new URLSearchParams(window.location.search);

  var ih = {
    filter: {},      // as applied: host, severity, state, from, to (ISO)
    offset: 0,
    total: 0,
    rows: [],
    seq: 0,          // only the newest answer of /api/incidents is shown
    selected: null,  // { host, id } of the incident in the detail pane
    row: null,       // that incident as last loaded
    silences: [],    // GET /api/silences, for the pane
    busy: false,
    reloadTimer: null,
    refreshSelected: false
  };

  function sameIncident(a, host, id) {
    return !!a && text(a.host) === text(host) && text(a.id) === text(id);
  }

  /** A datetime-local input's value (the browser's clock) as an ISO instant, or null. */
  function localInputIso(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text(value));
    if (!m) return null;
    var d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] || 0));
    return isNaN(d.getTime()) ? null : d.toISOString();
  }

  function readHistoryFilters() {
    var f = {};
    var host = $('ih-host').value.trim();
    if (host) f.host = host;
    if ($('ih-severity').value) f.severity = $('ih-severity').value;
    if ($('ih-state').value) f.state = $('ih-state').value;
    var from = localInputIso($('ih-from').value);
    var to = localInputIso($('ih-to').value);
    if (from) f.from = from;
    if (to) f.to = to;
    return f;
  }

  function historyQuery(filter, limit, offset) {
    var q = new URLSearchParams();
    Object.keys(filter).forEach(function (k) { q.set(k, filter[k]); });
    q.set('limit', String(limit));
    q.set('offset', String(offset));
    return '/api/incidents?' + q.toString();
  }

  function loadIncidentHistory() {
    var seq = ++ih.seq;
    return fetchJson(historyQuery(ih.filter, IH_PAGE, ih.offset)).then(function (data) {
      if (seq !== ih.seq) return;
      ih.rows = Array.isArray(data.incidents) ? data.incidents : [];
      ih.total = num(data.total) || 0;
      if (!ih.rows.length && ih.offset > 0 && ih.total > 0) {
        // the page we were on emptied (rows left the filter): go to the last page
        ih.offset = Math.max(0, Math.floor((ih.total - 1) / IH_PAGE) * IH_PAGE);
        loadIncidentHistory();
        return;
      }
      setText('ih-status', '');
      renderIncidentHistory();
    }, function (err) {
      if (seq !== ih.seq) return;
      setText('ih-status', 'Could not load the incident history: ' + err.message);
    });
  }

  /** Reloads the table (and the open incident) soon, once for a burst of bus events. */
  function scheduleHistoryReload(withSelected) {
    if (withSelected) ih.refreshSelected = true;
    if (ih.reloadTimer) return;
    ih.reloadTimer = setTimeout(function () {
      ih.reloadTimer = null;
      var sel = ih.refreshSelected;
      ih.refreshSelected = false;
      loadIncidentHistory();
      if (sel) refreshSelected();
    }, 800);
  }

  function isSilenced(row) {
    var until = parseDate(row.silenced_until);
    return !!until && until.getTime() > Date.now();
  }

  function badge(cls, label, title) {
    var b = el('span', 'ih-badge ' + cls, label);
    if (title) b.title = title;
    return b;
  }

  function who(by, at) {
    return (by ? ' by ' + text(by) : '') + (parseDate(at) ? ' at ' + fmtDateTime(at) : '');
  }

  function incidentBadges(row) {
    var wrap = el('span', 'ih-badges');
    if (row.acknowledged_by || row.acknowledged_at) {
      wrap.appendChild(badge('ih-badge-ack', 'acknowledged', 'acknowledged' + who(row.acknowledged_by, row.acknowledged_at)));
    }
    if (row.resolved_by || row.resolved_at) {
      wrap.appendChild(badge('ih-badge-resolved', 'resolved', 'resolved' + who(row.resolved_by, row.resolved_at)));
    }
    if (row.false_alarm === true) wrap.appendChild(badge('ih-badge-false', 'false alarm', 'marked as a false alarm'));
    if (isSilenced(row)) {
      wrap.appendChild(badge('ih-badge-silenced', 'silenced', 'notifications held back until ' + fmtDateTime(row.silenced_until)));
    }
    return wrap;
  }

  function timeEl(v, cls) {
    var t = el('time', cls || null, fmtDateTime(v));
    var d = parseDate(v);
    if (d) t.setAttribute('datetime', d.toISOString());
    return t;
  }

  function stateTag(row) {
    var open = text(row.state) === 'open';
    return el('span', 'ih-state ih-state-' + (open ? 'open' : 'closed'), text(row.state) || DASH);
  }

  function sevTag(sev) {
    var s = severityClass(sev);
    return el('span', 'sev sev-' + s, s === 'unknown' ? (text(sev) || 'anomaly') : s);
  }

  function truncate(s, n) {
    return s.length > n ? s.substring(0, n - 1).replace(/\s+$/, '') + '\u2026' : s;
  }

  function renderIncidentHistory() {
    var tbody = $('ih-table').querySelector('tbody');
    clear(tbody);
    var frag = document.createDocumentFragment();
    ih.rows.forEach(function (row, i) {
      var tr = el('tr', 'ih-row severity-' + severityClass(row.severity));
      tr.dataset.index = String(i);
      tr.dataset.host = text(row.host);
      tr.dataset.id = text(row.id);
      if (ih.selected && sameIncident(row, ih.selected.host, ih.selected.id)) tr.classList.add('selected');

      var started = el('td', 'nowrap');
      var open = el('button', 'link-button');
      open.type = 'button';
      open.appendChild(timeEl(row.started || row.timestamp));
      open.setAttribute('aria-label', 'Show incident ' + text(row.id) + ' on ' + text(row.host) + ', started ' +
        fmtDateTime(row.started || row.timestamp));
      started.appendChild(open);
      tr.appendChild(started);
      tr.appendChild(el('td', 'ih-host-cell', text(row.host) || DASH));
      var sev = el('td');
      sev.appendChild(sevTag(row.severity));
      tr.appendChild(sev);
      var st = el('td');
      st.appendChild(stateTag(row));
      tr.appendChild(st);
      var reason = text(row.reason) || 'Anomalous behaviour';
      var rc = el('td', 'ih-reason', truncate(reason, IH_REASON_CHARS));
      if (reason.length > IH_REASON_CHARS) rc.title = reason;
      tr.appendChild(rc);
      tr.appendChild(el('td', 'num', fmtDuration(row.duration_s)));
      var worked = el('td');
      worked.appendChild(incidentBadges(row));
      tr.appendChild(worked);
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    labelCells($('ih-table'));

    var shown = ih.rows.length;
    $('ih-empty').hidden = shown > 0;
    setText('ih-range', shown ? (ih.offset + 1) + '\u2013' + (ih.offset + shown) + ' of ' + fmtInt(ih.total) : '');
    $('ih-prev').disabled = ih.offset <= 0;
    $('ih-next').disabled = ih.offset + shown >= ih.total;
  }

  // ---- the detail pane

  /** The metric that moved most (the largest contribution), else the first a detector named; or null. */
  function leadingMetric(row) {
    var top = contributionEntries(row.contributions).filter(function (e) { return e[1] > 0; })[0];
    if (top && METRIC_BY_NAME[top[0]]) return top[0];
    var d = (Array.isArray(row.detectors) ? row.detectors : []).filter(function (x) {
      return x && METRIC_BY_NAME[text(x.metric)];
    })[0];
    return d ? text(d.metric) : null;
  }

  function metricLabel(name) {
    var m = METRIC_BY_NAME[name];
    return m ? m.label + ' (' + name + ')' : name;
  }

  function subTitle(parent, title) {
    parent.appendChild(el('h4', 'ih-sub', title));
  }

  function detailSummary(row) {
    var dl = el('dl', 'summary-grid ih-summary');
    function item(label, node) {
      var div = el('div', 'summary-item');
      div.appendChild(el('dt', null, label));
      var dd = el('dd');
      if (typeof node === 'string') dd.textContent = node;
      else dd.appendChild(node);
      div.appendChild(dd);
      dl.appendChild(div);
    }
    item('Host', text(row.host) || DASH);
    item('Started', timeEl(row.started));
    item('Peak', timeEl(row.timestamp));
    item('Ended', row.ended ? timeEl(row.ended) : 'still open');
    item('Duration', fmtDuration(row.duration_s));
    item('Samples', fmtInt(row.samples));
    item('Anomaly score', fmtScore(row.anomaly_score));
    item('Updated', timeEl(row.updated_at));
    return dl;
  }

  function detectorTable(detectors) {
    var table = el('table', 'expected-table ih-detectors');
    var hr = el('tr');
    ['Detector', 'Metric', 'Value', 'Threshold'].forEach(function (h) {
      var th = el('th', null, h);
      th.scope = 'col';
      hr.appendChild(th);
    });
    var thead = el('thead');
    thead.appendChild(hr);
    table.appendChild(thead);
    var tb = el('tbody');
    detectors.forEach(function (d) {
      var tr = el('tr');
      var name = text(d && d.name);
      var metric = text(d && d.metric);
      // a rule compares the metric's value; the z-score and the forest's score have no unit
      var inUnits = metric && name.indexOf('rule:') === 0;
      tr.appendChild(el('td', 'metric', name || DASH));
      tr.appendChild(el('td', 'metric', metric || DASH));
      tr.appendChild(el('td', 'num actual', inUnits ? fmtMetric(metric, d.value) : fmtPlain(d && d.value)));
      tr.appendChild(el('td', 'num', inUnits ? fmtMetric(metric, d.threshold) : fmtPlain(d && d.threshold)));
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    return table;
  }

  /** Every metric the incident has a value or a usual value of: most contributing first, then the usual order. */
  function expectedTable(row) {
    var expected = row.expected || {};
    var actual = row.metrics || {};
    var order = contributionEntries(row.contributions).map(function (e) { return e[0]; });
    METRICS.forEach(function (m) { if (order.indexOf(m.name) < 0) order.push(m.name); });
    Object.keys(actual).concat(Object.keys(expected)).forEach(function (k) { if (order.indexOf(k) < 0) order.push(k); });
    var names = order.filter(function (k) { return num(expected[k]) !== null || num(actual[k]) !== null; });
    if (!names.length) return null;
    var causes = incidentCauses(row);
    var table = el('table', 'expected-table ih-expected');
    var hr = el('tr');
    ['Metric', 'Expected', 'Actual'].forEach(function (h) {
      var th = el('th', null, h);
      th.scope = 'col';
      hr.appendChild(th);
    });
    var thead = el('thead');
    thead.appendChild(hr);
    table.appendChild(thead);
    var tb = el('tbody');
    names.forEach(function (k) {
      var tr = el('tr', causes.indexOf(k) >= 0 ? 'is-cause' : null);
      var name = el('td', 'metric', k);
      if (causes.indexOf(k) >= 0) name.title = 'one of the causes of this incident';
      tr.appendChild(name);
      tr.appendChild(el('td', 'num', fmtMetric(k, expected[k])));
      tr.appendChild(el('td', 'num actual', fmtMetric(k, actual[k])));
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    return table;
  }

  function lifeList(row) {
    var ul = el('ul', 'ih-life');
    function line(cls, s) { ul.appendChild(el('li', cls, s)); }
    line('ih-life-ack', row.acknowledged_by || row.acknowledged_at
      ? 'acknowledged' + who(row.acknowledged_by, row.acknowledged_at) : 'not acknowledged');
    line('ih-life-resolved', row.resolved_by || row.resolved_at
      ? 'resolved' + who(row.resolved_by, row.resolved_at) : 'not resolved');
    if (row.silenced_until) {
      line('ih-life-silenced', (isSilenced(row) ? 'silenced until ' : 'was silenced until ') + fmtDateTime(row.silenced_until));
    } else {
      line('ih-life-silenced', 'not silenced');
    }
    line('ih-life-false', row.false_alarm === true ? 'marked as a false alarm' : 'not marked as a false alarm');
    return ul;
  }

  function silenceList(row) {
    var now = Date.now();
    var mine = ih.silences.filter(function (s) {
      var until = parseDate(s.until);
      return s && (text(s.host) === text(row.host) || text(s.host) === '*') && until && until.getTime() > now;
    });
    if (!mine.length) return el('p', 'muted ih-silences-none', 'No silence in force for this host.');
    var ul = el('ul', 'ih-silences');
    mine.forEach(function (s) {
      var what = s.metric ? text(s.host) + ', ' + text(s.metric) : text(s.host) + ', every metric';
      var li = el('li', null, what + ': until ' + fmtDateTime(s.until) + (s.by ? ', by ' + text(s.by) : '') +
        (s.comment ? ' \u2014 ' + text(s.comment) : ''));
      li.dataset.id = text(s.id);
      ul.appendChild(li);
    });
    return ul;
  }

  function renderDetail() {
    var row = ih.row;
    var pane = $('ih-detail');
    if (!row) {
      pane.hidden = true;
      return;
    }
    pane.hidden = false;
    pane.dataset.host = text(row.host);
    pane.dataset.id = text(row.id);
    var sev = severityClass(row.severity);
    pane.className = 'panel ih-detail severity-' + sev;
    setText('ih-detail-title', 'Incident #' + text(row.id) + ' on ' + (text(row.host) || DASH));

    var body = $('ih-detail-body');
    clear(body);
    var tags = el('div', 'ih-tags');
    tags.appendChild(sevTag(row.severity));
    tags.appendChild(stateTag(row));
    tags.appendChild(incidentBadges(row));
    body.appendChild(tags);
    body.appendChild(el('p', 'incident-reason ih-detail-reason', text(row.reason) || 'Anomalous behaviour'));
    body.appendChild(detailSummary(row));

    var factors = Array.isArray(row.severity_factors) ? row.severity_factors : [];
    if (factors.length) {
      subTitle(body, 'Severity factors');
      var fl = el('ul', 'factors');
      factors.forEach(function (f) { fl.appendChild(el('li', 'factor', text(f))); });
      body.appendChild(fl);
    }
    var detectors = Array.isArray(row.detectors) ? row.detectors : [];
    if (detectors.length) {
      subTitle(body, 'Detectors');
      body.appendChild(detectorTable(detectors));
    }
    var cols = el('div', 'incident-body ih-columns');
    var left = el('div');
    subTitle(left, 'Contributions');
    var entries = contributionEntries(row.contributions);
    left.appendChild(entries.length ? contributionBars(entries) : el('p', 'muted', 'None recorded.'));
    cols.appendChild(left);
    var right = el('div');
    subTitle(right, 'Expected vs. actual');
    var et = expectedTable(row);
    right.appendChild(et || el('p', 'muted', 'No values recorded.'));
    cols.appendChild(right);
    body.appendChild(cols);

    subTitle(body, 'Life');
    body.appendChild(lifeList(row));
    if (row.comment) {
      var c = el('blockquote', 'ih-comment-text', text(row.comment));
      c.setAttribute('aria-label', 'Comment');
      body.appendChild(c);
    }
    subTitle(body, 'Silences in force');
    body.appendChild(silenceList(row));

    var lead = leadingMetric(row);
    var sm = $('ih-silence-metric');
    sm.dataset.metric = lead || '';
    sm.textContent = lead ? 'Silence host + ' + lead : 'Silence host + leading metric';
    sm.title = lead ? 'hold back notifications of ' + metricLabel(lead) + ' on ' + text(row.host) : 'this incident names no metric';
    updateActionButtons();
  }

  function updateActionButtons() {
    var row = ih.row;
    var off = ih.busy || !row;
    $('ih-ack').disabled = off;
    $('ih-resolve').disabled = off || !!(row && (row.resolved_by || row.resolved_at));
    $('ih-false-alarm').disabled = off || !!(row && row.false_alarm === true);
    $('ih-silence-host').disabled = off;
    $('ih-silence-metric').disabled = off || !$('ih-silence-metric').dataset.metric;
    $('ih-actions').classList.toggle('busy', ih.busy);
  }

  function markSelectedRow() {
    Array.prototype.forEach.call($('ih-table').querySelectorAll('tbody tr.ih-row'), function (tr) {
      tr.classList.toggle('selected', !!ih.selected && tr.dataset.host === text(ih.selected.host) &&
        tr.dataset.id === text(ih.selected.id));
    });
  }

  /**
   * Finds one incident: /api/incidents has no route for one, but an incident's id is its start (epoch ms),
   * so a one-millisecond window finds it; failing that, the host's newest 500.
   */
  function findIncident(host, id) {
    var n = num(id);
    var base = host ? { host: host } : {};
    var tries = [];
    if (n !== null) tries.push(Object.assign({ from: String(n), to: String(n + 1) }, base));
    if (host) tries.push(base);
    function next(i) {
      if (i >= tries.length) return Promise.resolve(null);
      return fetchJson(historyQuery(tries[i], 500, 0)).then(function (data) {
        var found = (Array.isArray(data.incidents) ? data.incidents : []).filter(function (r) {
          return text(r.id) === text(id) && (!host || text(r.host) === host);
        })[0];
        return found || next(i + 1);
      });
    }
    return next(0);
  }

  function loadSilences() {
    return fetchJson('/api/silences').then(function (data) {
      ih.silences = Array.isArray(data.silences) ? data.silences : [];
      if (ih.row) renderDetail();
    }, function (err) {
      console.warn('silences:', err.message);
    });
  }

  function showIncident(row, focus) {
    ih.selected = { host: text(row.host), id: text(row.id) };
    ih.row = row;
    setText('ih-action-status', '');
    renderDetail();
    markSelectedRow();
    loadSilences();
    if (focus) {
      var pane = $('ih-detail');
      pane.scrollIntoView({ block: 'start' });
      $('ih-detail-title').focus({ preventScroll: true });
    }
  }

  /** Opens the incident of an alert's link, /?host=HOST&incident=ID. */
  function openIncidentFromUrl() {
    var id = PAGE_PARAMS.get('incident');
    if (!id || !/^\d{1,16}$/.test(id)) return;
    var host = PAGE_PARAMS.get('host') || '';
    setText('ih-status', 'Looking for incident #' + id + (host ? ' on ' + host : '') + '\u2026');
    findIncident(host, id).then(function (row) {
      if (!row) {
        setText('ih-status', 'No incident #' + id + (host ? ' on ' + host : '') + ' in the history.');
        return;
      }
      setText('ih-status', '');
      showIncident(row, true);
    }, function (err) {
      setText('ih-status', 'Could not load incident #' + id + ': ' + err.message);
    });
  }

  function refreshSelected() {
    if (!ih.selected) return Promise.resolve();
    var sel = ih.selected;
    return findIncident(sel.host, sel.id).then(function (row) {
      if (!row || !ih.selected || !sameIncident(row, ih.selected.host, ih.selected.id)) return;
      ih.row = row;
      renderDetail();
    }, function (err) {
      console.warn('incident:', err.message);
    });
  }

  function closeDetail() {
    var sel = ih.selected;
    ih.selected = null;
    ih.row = null;
    renderDetail();
    markSelectedRow();
    if (sel) {
      var rows = $('ih-table').querySelectorAll('tbody tr.ih-row');
      var tr = Array.prototype.filter.call(rows, function (r) {
        return r.dataset.host === sel.host && r.dataset.id === sel.id;
      })[0];
      var b = tr ? tr.querySelector('button') : null;
      if (b) b.focus();
    }
  }

  // ---- actions

  function actorName() {
    var by = $('ih-by').value.trim();
    return by || IH_DEFAULT_BY;
  }

  function rememberName() {
    try {
      var by = $('ih-by').value.trim();
      if (by) window.localStorage.setItem(IH_BY_KEY, by);
      else window.localStorage.removeItem(IH_BY_KEY);
    } catch (e) { /* storage unavailable: the name lasts as long as the page */ }
  }

  function recallName() {
    var by = null;
    try { by = window.localStorage.getItem(IH_BY_KEY); } catch (e) { by = null; }
    $('ih-by').value = by || IH_DEFAULT_BY;
  }

  var ACTION_DONE = { acknowledge: 'Acknowledged', resolve: 'Resolved', 'false-alarm': 'Marked as a false alarm' };

  function act(kind) {
    var row = ih.row;
    if (!row || ih.busy) return;
    rememberName();
    var by = actorName();
    var comment = $('ih-comment').value.trim();
    var req;
    var done;
    if (ACTION_DONE[kind]) {
      var body = { host: text(row.host), id: num(row.id), by: by };
      if (comment) body.comment = comment;
      req = fetchJson('/api/incidents/' + kind, body);
      done = function (updated) {
        if (updated && sameIncident(updated, row.host, row.id)) ih.row = updated;
        setText('ih-action-status', ACTION_DONE[kind] + ' by ' + by + '.');
      };
    } else {
      var seconds = parseInt($('ih-silence-for').value, 10);
      var s = { host: text(row.host), duration_s: seconds, by: by, incident_id: num(row.id) };
      if (kind === 'silence-metric') s.metric = $('ih-silence-metric').dataset.metric;
      if (comment) s.comment = comment;
      req = fetchJson('/api/silences', s);
      done = function (silence) {
        setText('ih-action-status', 'Silenced ' + text(silence.host) + (silence.metric ? ', ' + text(silence.metric) : '') +
          ' until ' + fmtDateTime(silence.until) + ' (silence #' + text(silence.id) + ').');
        // the incident's silenced_until is written just after this answer: ask again
        loadSilences();
        refreshSelected().then(function () {
          if (ih.row && !ih.row.silenced_until) setTimeout(refreshSelected, 1000);
        });
      };
    }
    ih.busy = true;
    updateActionButtons();
    setText('ih-action-status', 'Sending\u2026');
    $('ih-action-status').classList.remove('is-error');
    req.then(function (data) {
      ih.busy = false;
      $('ih-comment').value = '';
      done(data);
      renderDetail();
      loadIncidentHistory();
    }, function (err) {
      ih.busy = false;
      updateActionButtons();
      $('ih-action-status').classList.add('is-error');
      setText('ih-action-status', 'Error: ' + err.message);
    });
  }

  function onWorked(msg) {
    var row = msg && msg.incident;
    if (!row) return;
    if (ih.selected && sameIncident(row, ih.selected.host, ih.selected.id) && !ih.busy) {
      ih.row = row;
      renderDetail();
    }
    scheduleHistoryReload(false);
  }

  function onIncidentChanged(inc) {
    scheduleHistoryReload(!!(inc && ih.selected && sameIncident(inc, ih.selected.host, ih.selected.id)));
  }

  function initIncidentHistory() {
    if (VIEW_HOST) $('ih-host').value = VIEW_HOST;
    ih.filter = readHistoryFilters();
    recallName();
    $('ih-by').addEventListener('change', rememberName);
    $('ih-filters').addEventListener('submit', function (ev) {
      ev.preventDefault();
      ih.filter = readHistoryFilters();
      ih.offset = 0;
      loadIncidentHistory();
    });
    $('ih-prev').addEventListener('click', function () {
      ih.offset = Math.max(0, ih.offset - IH_PAGE);
      loadIncidentHistory();
    });
    $('ih-next').addEventListener('click', function () {
      if (ih.offset + ih.rows.length < ih.total) {
        ih.offset += IH_PAGE;
        loadIncidentHistory();
      }
    });
    $('ih-table').querySelector('tbody').addEventListener('click', function (ev) {
      var tr = ev.target.closest ? ev.target.closest('tr.ih-row') : null;
      var row = tr ? ih.rows[parseInt(tr.dataset.index, 10)] : null;
      if (row) showIncident(row, true);
    });
    $('ih-detail-close').addEventListener('click', closeDetail);
    $('ih-actions').addEventListener('submit', function (ev) { ev.preventDefault(); });
    Array.prototype.forEach.call($('ih-actions').querySelectorAll('button[data-action]'), function (b) {
      b.addEventListener('click', function () { act(b.dataset.action); });
    });
    updateActionButtons();
    loadIncidentHistory();
    openIncidentFromUrl();
  }

  // ---------------------------------------------------------------- analysis result

  var analysis = { id: null, chart: null, details: null, columnIndex: 0 };

  function summaryItem(dl, label, value, cls) {
    var div = el('div', 'summary-item' + (cls ? ' ' + cls : ''));
    div.appendChild(el('dt', null, label));
    div.appendChild(el('dd', null, value));
    dl.appendChild(div);
  }

  function showAnalysis(details) {
    if (!details || !details.analysis) return;
    var a = details.analysis;
    analysis.id = a.id;
    analysis.details = details;

    var dl = $('analysis-summary');
    clear(dl);
    summaryItem(dl, 'File', text(a.file_name) || DASH, 'wide');
    summaryItem(dl, 'Rows', fmtInt(a.rows));
    summaryItem(dl, 'Anomalies', fmtInt(a.anomalies));
    summaryItem(dl, 'Rate', fmtPercent(a.anomaly_rate, 2));
    var sc = a.severity_counts || {};
    summaryItem(dl, 'Critical', fmtInt(sc.critical || 0), 'sev-count critical');
    summaryItem(dl, 'High', fmtInt(sc.high || 0), 'sev-count high');
    summaryItem(dl, 'Medium', fmtInt(sc.medium || 0), 'sev-count medium');
    summaryItem(dl, 'Duration', fmtMillis(a.duration_ms));
    summaryItem(dl, 'Analysed', fmtDateTime(a.analysed_at));
    summaryItem(dl, 'Source', text(a.source) || DASH);

    var id = encodeURIComponent(text(a.id));
    $('download-csv').href = '/api/analyses/' + id + '/results.csv';
    $('download-json').href = '/api/analyses/' + id + '/results.json';

    $('analysis-result').hidden = false;

    renderAnalysisIncidents((details.chart && details.chart.incidents) || [],
      details.chart ? num(details.chart.incident_count) : null);
    renderAnalysisTable(details.anomalies || [], num(a.anomalies));
    renderAnalysisColumns(details.chart || { columns: [], points: [] });
    markHistorySelection();
  }

  /**
   * Gives each body cell its column's header as {@code data-label}: on a phone the rows are stacked as
   * cards and the stylesheet shows the label beside each value (see app.css, "phones").
   */
  function labelCells(table) {
    var headers = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) {
      return th.textContent;
    });
    Array.prototype.forEach.call(table.querySelectorAll('tbody tr'), function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (headers[i] !== undefined && td.colSpan === 1) td.dataset.label = headers[i];
      });
    });
  }

  /** A table row saying the table is empty. */
  function emptyRow(message, columns) {
    var tr = el('tr', 'empty-row');
    var td = el('td', null, message);
    td.colSpan = columns;
    tr.appendChild(td);
    return tr;
  }

  /** A cell with a severity badge ({@code sev} from severityClass, {@code raw} as given). */
  function severityCell(sev, raw) {
    var td = el('td');
    td.appendChild(el('span', 'sev sev-' + sev, sev === 'unknown' ? (text(raw) || DASH) : sev));
    return td;
  }

  /** The analysis' incidents, most urgent first: what a person reads before the rows. */
  function renderAnalysisIncidents(incidents, total) {
    var tbody = $('analysis-incidents').querySelector('tbody');
    clear(tbody);
    var frag = document.createDocumentFragment();
    if (!incidents.length) frag.appendChild(emptyRow('No incidents.', 7));
    incidents.forEach(function (inc) {
      var sev = severityClass(inc.severity);
      var tr = el('tr', 'severity-' + sev);
      tr.appendChild(el('td', 'num', text(inc.id) || DASH));
      tr.appendChild(dataTimeCell(inc.started));
      tr.appendChild(dataTimeCell(inc.ended));
      tr.appendChild(el('td', 'num', fmtInt(inc.rows)));
      tr.appendChild(severityCell(sev, inc.severity));
      tr.appendChild(el('td', 'reason', text(inc.reason) || DASH));
      var factors = Array.isArray(inc.severity_factors) ? inc.severity_factors.map(text).join(', ') : '';
      tr.appendChild(el('td', 'factors-cell', (inc.peak ? fmtDataTime(inc.peak) : DASH) + (factors ? ' \u2014 ' + factors : '')));
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    labelCells($('analysis-incidents'));
    var note = '';
    if (total !== null && total > incidents.length) note = 'the ' + incidents.length + ' most urgent of ' + fmtInt(total);
    else if (incidents.length) note = incidents.length + (incidents.length === 1 ? ' incident' : ' incidents');
    setText('analysis-incidents-note', note);
  }

  function renderAnalysisTable(rows, total) {
    var tbody = $('analysis-table').querySelector('tbody');
    clear(tbody);
    var frag = document.createDocumentFragment();
    if (!rows.length) frag.appendChild(emptyRow('No anomalies found.', 7));
    rows.forEach(function (r) {
      var sev = severityClass(r.severity);
      var tr = el('tr', 'severity-' + sev);
      tr.appendChild(el('td', 'num', num(r.row_index) === null ? DASH : String(Math.round(num(r.row_index)))));
      tr.appendChild(dataTimeCell(r.timestamp));
      tr.appendChild(el('td', 'num', fmtScore(r.anomaly_score)));
      tr.appendChild(severityCell(sev, r.severity));
      tr.appendChild(el('td', 'reason', text(r.reason) || DASH));
      var factors = Array.isArray(r.severity_factors) ? r.severity_factors.map(text).join(', ')
        : text(r.severity_factors);
      tr.appendChild(el('td', 'factors-cell', factors || DASH));
      var cTd = el('td', 'contrib-cell');
      var entries = contributionEntries(r.contributions);
      if (entries.length) cTd.appendChild(contributionBars(entries, 3));
      else cTd.textContent = DASH;
      tr.appendChild(cTd);
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    labelCells($('analysis-table'));
    var note = '';
    if (total !== null && total > rows.length) note = 'showing the ' + rows.length + ' most urgent of ' + fmtInt(total);
    else if (rows.length) note = rows.length + (rows.length === 1 ? ' row' : ' rows');
    setText('analysis-table-note', note);
  }

  function renderAnalysisColumns(chart) {
    var select = $('analysis-column');
    clear(select);
    var cols = Array.isArray(chart.columns) ? chart.columns : [];
    cols.forEach(function (c, i) {
      var opt = el('option', null, text(c));
      opt.value = String(i);
      select.appendChild(opt);
    });
    select.disabled = cols.length <= 1;
    analysis.columnIndex = 0;
    drawAnalysisChart(true);
  }

  function analysisData() {
    var chart = (analysis.details && analysis.details.chart) || { points: [] };
    var pts = Array.isArray(chart.points) ? chart.points.slice() : [];
    var useTime = pts.length > 0 && pts.every(function (p) { return num(p.t) !== null; });
    var key = useTime ? function (p) { return num(p.t) / 1000; } : function (p) { return num(p.row) || 0; };
    pts.sort(function (a, b) { return key(a) - key(b); });
    var ci = analysis.columnIndex;
    var xs = [], ys = [], an = [];
    var lastX = null;
    pts.forEach(function (p) {
      var x = key(p);
      if (lastX !== null && x <= lastX) x = lastX + (useTime ? 0.001 : 1); // keep x strictly ascending
      lastX = x;
      var v = Array.isArray(p.values) ? num(p.values[ci]) : null;
      xs.push(x);
      ys.push(v);
      an.push(p.is_anomaly === true && v !== null ? v : null);
    });
    return { useTime: useTime, data: [xs, ys, an] };
  }

  function drawAnalysisChart(rebuild) {
    var container = $('analysis-chart');
    if (typeof uPlot === 'undefined' || !container) return;
    var d = analysisData();
    var columns = (analysis.details && analysis.details.chart && analysis.details.chart.columns) || [];
    var colName = text(columns[analysis.columnIndex]) || 'value';
    if (!rebuild && analysis.chart && analysis.useTime === d.useTime) {
      analysis.chart.setData(d.data);
      return;
    }
    if (analysis.chart) {
      analysis.chart.destroy();
      analysis.chart = null;
    }
    clear(container);
    if (!d.data[0].length) {
      container.appendChild(el('p', 'empty', 'No chart data for this analysis.'));
      return;
    }
    var opts = {
      width: Math.max(container.clientWidth, 100),
      height: window.innerWidth < 480 ? 200 : 260,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: d.useTime }, y: { range: autoRange } },
      series: [
        d.useTime
          ? { label: 'Time', value: function (u, v) { return v === null || v === undefined ? DASH : fmtDateTime(v * 1000); } }
          : { label: 'Row', value: function (u, v) { return v === null || v === undefined ? DASH : String(Math.round(v)); } },
        {
          label: colName,
          stroke: '#2563eb',
          width: 1.25,
          fill: 'rgba(37,99,235,0.06)',
          points: { show: false },
          value: function (u, v) { return v === null || v === undefined ? DASH : fmtPlain(v); }
        },
        Object.assign(anomalySeries('flagged'), {
          value: function (u, v) { return v === null || v === undefined ? DASH : fmtPlain(v); }
        })
      ],
      axes: baseAxes(52, d.useTime ? { size: 42, space: 80, values: timeAxisLabels } : { size: 42 })
    };
    var u = new uPlot(opts, d.data, container);
    analysis.useTime = d.useTime;
    analysis.chart = u;
    if (!container.dataset.observed) {
      container.dataset.observed = '1';
      observeSize(container, function () { return analysis.chart; });
    }
  }

  function loadAnalysisDetails(id) {
    setText('upload-status', 'Loading analysis #' + id + '\u2026');
    return fetchJson('/api/analysis-details/' + encodeURIComponent(id)).then(function (details) {
      showAnalysis(details);
      var a = details.analysis || {};
      setText('upload-status', 'Showing analysis #' + text(a.id) + ' of ' + (text(a.file_name) || 'a file') + '.');
      $('analysis-result').scrollIntoView({ behavior: 'smooth', block: 'start' });
    }, function (err) {
      setText('upload-status', 'Could not load analysis #' + id + ': ' + err.message);
    });
  }

  function loadLatestAnalysis() {
    return fetchJson('/api/csv-data').then(function (details) {
      if (analysis.id === null) showAnalysis(details);
    }, function (err) {
      if (err.status !== 404) console.warn('latest analysis:', err.message);
    });
  }

  // ---------------------------------------------------------------- history

  var history = [];

  function renderHistory() {
    var tbody = $('history-list').querySelector('tbody');
    clear(tbody);
    var frag = document.createDocumentFragment();
    history.forEach(function (a) {
      var tr = el('tr', 'history-row');
      tr.dataset.id = text(a.id);
      tr.tabIndex = 0;
      tr.setAttribute('role', 'button');
      tr.setAttribute('aria-label', 'Show analysis ' + text(a.id));
      tr.appendChild(el('td', 'num', text(a.id)));
      tr.appendChild(el('td', 'file', text(a.file_name) || DASH));
      tr.appendChild(el('td', 'nowrap', fmtDateTime(a.analysed_at)));
      tr.appendChild(el('td', 'num', fmtInt(a.rows)));
      tr.appendChild(el('td', 'num', fmtInt(a.anomalies)));
      tr.appendChild(el('td', 'num', fmtPercent(a.anomaly_rate, 2)));
      var src = el('td');
      src.appendChild(el('span', 'source source-' + (a.source === 'cli' ? 'cli' : 'upload'), text(a.source) || DASH));
      tr.appendChild(src);
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    labelCells($('history-list'));
    $('history-empty').hidden = history.length > 0;
    markHistorySelection();
  }

  function markHistorySelection() {
    var rows = $('history-list').querySelectorAll('tbody tr');
    Array.prototype.forEach.call(rows, function (tr) {
      tr.classList.toggle('selected', analysis.id !== null && tr.dataset.id === text(analysis.id));
    });
  }

  function loadHistory() {
    return fetchJson('/api/analysis-history').then(function (data) {
      history = data && Array.isArray(data.analyses) ? data.analyses : [];
      renderHistory();
      return history;
    }, function (err) {
      console.warn('history:', err.message);
      renderHistory();
      return history;
    });
  }

  function initHistory() {
    var table = $('history-list');
    function pick(target) {
      var tr = target.closest ? target.closest('tr.history-row') : null;
      if (tr && tr.dataset.id) loadAnalysisDetails(tr.dataset.id);
    }
    table.addEventListener('click', function (ev) { pick(ev.target); });
    table.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        pick(ev.target);
      }
    });
  }

  // ---------------------------------------------------------------- upload

  var job = null;          // { id, fileName, startedMaxId, lastEventAt, done }
  var jobEvents = new Map(); // job_id -> events received before the upload reply
  var jobPoll = null;

  function setUploadProgress(pct) {
    var p = $('upload-progress');
    p.value = Math.max(0, Math.min(100, pct));
  }

  function maxHistoryId() {
    var mx = 0;
    history.forEach(function (a) { var n = num(a.id); if (n !== null && n > mx) mx = n; });
    return mx;
  }

  function uploadBusy(busy) {
    $('upload-button').disabled = busy;
    $('upload-input').disabled = busy;
    $('upload-form').classList.toggle('busy', busy);
  }

  function finishJob() {
    if (jobPoll) {
      clearInterval(jobPoll);
      jobPoll = null;
    }
    uploadBusy(false);
  }

  function initUpload() {
    var form = $('upload-form');
    var maxMb = SETTINGS.maxUploadMb;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var input = $('upload-input');
      var file = input.files && input.files[0];
      if (!file) {
        setText('upload-status', 'Choose a CSV file first.');
        return;
      }
      if (maxMb !== null && maxMb > 0 && file.size > maxMb * 1024 * 1024) {
        setUploadProgress(0);
        setText('upload-status', 'Error: the file is too large (' + (file.size / 1048576).toFixed(1) +
          ' MB; the limit is ' + maxMb + ' MB).');
        return;
      }
      startUpload(file);
    });
  }

  function startUpload(file) {
    var fd = new FormData();
    fd.append('file', file, file.name);
    var xhr = new XMLHttpRequest();
    job = { id: null, fileName: file.name, startedMaxId: maxHistoryId(), lastEventAt: Date.now(), done: false };
    var myJob = job;
    uploadBusy(true);
    setUploadProgress(0);
    setText('upload-status', 'Uploading ' + file.name + '\u2026');

    xhr.upload.addEventListener('progress', function (e) {
      if (job !== myJob || !e.lengthComputable || e.total <= 0) return;
      var f = e.loaded / e.total;
      setUploadProgress(f * 50);
      setText('upload-status', 'Uploading ' + file.name + '\u2026 ' + Math.floor(f * 100) + '%');
    });
    xhr.addEventListener('load', function () {
      if (job !== myJob) return;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 202 || (xhr.status >= 200 && xhr.status < 300)) {
        myJob.id = data && data.job_id !== undefined ? String(data.job_id) : null;
        if (data && data.file_name) myJob.fileName = String(data.file_name);
        setUploadProgress(Math.max($('upload-progress').value, 50));
        setText('upload-status', 'Uploaded ' + myJob.fileName + '; analysing\u2026');
        var early = myJob.id !== null ? jobEvents.get(myJob.id) : null;
        if (early) {
          jobEvents.delete(myJob.id);
          early.forEach(onAnalysisEvent);
        }
        if (!myJob.done) startJobPoll(myJob);
      } else {
        var msg = data && typeof data.error === 'string' ? data.error : ('HTTP ' + xhr.status);
        if (xhr.status === 401) needLogin();
        if (xhr.status === 413 && !(data && data.error)) msg = 'the file is too large';
        setUploadProgress(0);
        setText('upload-status', 'Error: ' + msg);
        myJob.done = true;
        finishJob();
      }
    });
    xhr.addEventListener('error', function () {
      if (job !== myJob) return;
      setUploadProgress(0);
      setText('upload-status', 'Error: the upload failed (connection closed' +
        (SETTINGS.maxUploadMb ? '; the limit is ' + SETTINGS.maxUploadMb + ' MB' : '') + ').');
      myJob.done = true;
      finishJob();
    });
    xhr.addEventListener('abort', function () {
      if (job !== myJob) return;
      setText('upload-status', 'Upload cancelled.');
      myJob.done = true;
      finishJob();
    });
    xhr.open('POST', '/api/upload-csv');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.send(fd);
  }

  /** Fallback when bus events do not arrive: watch the history for the new analysis. */
  function startJobPoll(myJob) {
    if (jobPoll) clearInterval(jobPoll);
    jobPoll = setInterval(function () {
      if (job !== myJob || myJob.done) {
        finishJob();
        return;
      }
      if (busState === 'open' && Date.now() - myJob.lastEventAt < 5000) return;
      fetchJson('/api/analysis-history').then(function (data) {
        if (job !== myJob || myJob.done) return;
        var list = data && Array.isArray(data.analyses) ? data.analyses : [];
        var found = list.filter(function (a) {
          return (num(a.id) || 0) > myJob.startedMaxId && a.source !== 'cli';
        })[0];
        if (found) {
          history = list;
          renderHistory();
          completeJob(myJob, found.id);
        }
      }, function () { /* keep waiting */ });
    }, 3000);
  }

  function completeJob(myJob, analysisId) {
    myJob.done = true;
    finishJob();
    setUploadProgress(100);
    setText('upload-status', 'Analysis of ' + myJob.fileName + ' finished.');
    if (analysisId !== undefined && analysisId !== null) {
      fetchJson('/api/analysis-details/' + encodeURIComponent(analysisId)).then(function (details) {
        showAnalysis(details);
        var a = details.analysis || {};
        setText('upload-status', 'Analysis of ' + (text(a.file_name) || myJob.fileName) + ' finished: ' +
          fmtInt(a.anomalies) + ' anomalies in ' + fmtInt(a.rows) + ' rows.');
      }, function (err) {
        setText('upload-status', 'Analysis finished, but its result could not be loaded: ' + err.message);
      });
    }
    loadHistory();
  }

  function onAnalysisEvent(ev) {
    if (!ev || typeof ev !== 'object') return;
    var jobId = ev.job_id === undefined || ev.job_id === null ? null : String(ev.job_id);
    var mine = job && !job.done && jobId !== null && job.id === jobId;
    if (!mine) {
      if (job && !job.done && job.id === null && jobId !== null) {
        // upload reply not yet received: keep the event for later
        var list = jobEvents.get(jobId) || [];
        list.push(ev);
        jobEvents.set(jobId, list);
        if (jobEvents.size > 20) jobEvents.delete(jobEvents.keys().next().value);
      } else if (ev.phase === 'done') {
        loadHistory(); // someone else's analysis
      }
      return;
    }
    job.lastEventAt = Date.now();
    var p = num(ev.progress);
    p = p === null ? 0 : Math.max(0, Math.min(1, p));
    if (ev.phase === 'uploaded') {
      setUploadProgress(50);
      setText('upload-status', 'Uploaded ' + job.fileName + '; analysis queued\u2026');
    } else if (ev.phase === 'running') {
      setUploadProgress(50 + p * 50);
      setText('upload-status', 'Analysing ' + job.fileName + '\u2026 ' + Math.floor(p * 100) + '%');
    } else if (ev.phase === 'done') {
      completeJob(job, ev.analysis_id);
    } else if (ev.phase === 'failed') {
      job.done = true;
      finishJob();
      setUploadProgress(0);
      setText('upload-status', 'Error: the analysis of ' + job.fileName + ' failed' +
        (ev.error ? ': ' + text(ev.error) : '.'));
    }
  }

  function initAnalysisColumn() {
    $('analysis-column').addEventListener('change', function (ev) {
      var i = parseInt(ev.target.value, 10);
      analysis.columnIndex = isFinite(i) ? i : 0;
      drawAnalysisChart(true); // rebuilt so that the legend shows the new column's name
    });
  }

  // ---------------------------------------------------------------- event bus

  var busState = 'closed';

  function setConnection(state) {
    busState = state;
    var c = $('connection');
    c.textContent = state === 'open' ? 'live' : 'reconnecting';
    c.className = 'conn ' + (state === 'open' ? 'conn-open' : 'conn-closed');
  }

  function initBus() {
    if (typeof EventBusClient === 'undefined') {
      setConnection('closed');
      return;
    }
    var bus = new EventBusClient('/eventbus');
    var everOpen = false;
    bus.onStateChange(function (state) {
      setConnection(state);
      if (state === 'open') {
        if (everOpen) {
          // catch up on what was missed while disconnected
          loadStatus();
          loadChartData();
          loadIncidents();
          loadHistory();
          loadIncidentHistory();
          refreshSelected();
        }
        everOpen = true;
      }
    });
    bus.on(VIEW_HOST ? 'dashboard.host.' + VIEW_HOST : 'dashboard.metrics', function (sample) { addSample(sample); });
    bus.on(VIEW_HOST ? 'dashboard.status.' + VIEW_HOST : 'dashboard.status', function (s) { applyStatus(s, false); });
    bus.on('dashboard.anomaly', function (msg) {
      if (msg && msg.incident && (!VIEW_HOST || msg.incident.host === VIEW_HOST)) {
        upsertIncident(msg.incident);
        if (msg.incident.id !== undefined && msg.incident.id !== null) liveIncidentIds.add(String(msg.incident.id));
        renderIncidents();
      }
      if (msg && msg.incident) onIncidentChanged(msg.incident);
    });
    bus.on('dashboard.worked', onWorked);
    bus.on('dashboard.analysis', onAnalysisEvent);
  }

  // ---------------------------------------------------------------- fleet (hub only)

  function fmtAge(ms) {
    if (ms === null || ms === undefined) return '';
    return ms < 1000 ? 'now' : fmtDuration(ms / 1000) + ' ago';
  }

  function renderHosts(data) {
    var list = data && Array.isArray(data.hosts) ? data.hosts : [];
    var body = $('fleet-body');
    clear(body);
    list.forEach(function (h) {
      var tr = el('tr', 'fleet-' + text(h.state));
      var name = el('td');
      var a = el('a', null, text(h.host));
      a.href = '/?host=' + encodeURIComponent(text(h.host));
      if (text(h.host) === VIEW_HOST) a.setAttribute('aria-current', 'page');
      name.appendChild(a);
      if (h.local) name.appendChild(el('span', 'muted small', ' (this machine)'));
      tr.appendChild(name);
      tr.appendChild(el('td', 'fleet-state', text(h.state)));
      tr.appendChild(el('td', null, fmtAge(h.last_sample_age_ms)));
      tr.appendChild(el('td', null, h.last_score === undefined ? '' : Number(h.last_score).toFixed(3)));
      var inc = h.state === 'silent' ? 'host silent' : h.incident_open ? 'open' : '';
      if (h.samples_lost) inc += (inc ? '; ' : '') + h.samples_lost + ' samples lost';
      tr.appendChild(el('td', h.incident_open ? 'fleet-incident' : null, inc));
      body.appendChild(tr);
    });
    $('fleet-empty').hidden = list.length > 0;
    setText('fleet-note', list.length + ' hosts, worst first' +
      (data && data.samples_refused ? '; ' + data.samples_refused + ' samples refused (hub.max_hosts)' : ''));
  }

  function loadHosts() {
    return fetchJson('/api/hosts').then(renderHosts, function (err) {
      console.warn('hosts:', err.message);
    });
  }

  function initFleet() {
    if (document.body.getAttribute('data-mode') !== 'hub') return;
    $('fleet').hidden = false;
    loadHosts();
    setInterval(loadHosts, 2000);
  }

  // ---------------------------------------------------------------- start

  /** Hides settings the server did not provide, instead of showing blanks. */
  function hideMissingSettings() {
    var nodes = document.querySelectorAll('[data-value]');
    Array.prototype.forEach.call(nodes, function (n) {
      var v = n.getAttribute('data-value');
      if (v === null || v.trim() === '' || v === 'null' || v === 'NaN') n.hidden = true;
    });
  }

  function start() {
    hideMissingSettings();
    initLogin();
    initHistory();
    initIncidentHistory();
    initUpload();
    initAnalysisColumn();
    initCharts();
    setConnection('closed');
    renderIncidents();

    loadStatus();
    loadChartData();
    loadIncidents();
    loadHistory().then(loadLatestAnalysis);
    initBus();
    initFleet();

    setInterval(loadStatus, 10000);
    setInterval(renderUptime, 1000);

    // read-only handles for debugging from the browser console
    window.madDashboard = { charts: charts, analysis: analysis, live: live };
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
