/*
 * Minimal client for the Vert.x SockJS event-bus bridge.
 *
 * Outbound-only usage: the page registers for addresses and receives what the server publishes.
 * The only frames ever sent are {"type":"register"} and {"type":"ping"}.
 *
 *   const bus = new EventBusClient('/eventbus');
 *   bus.on('dashboard.metrics', body => ...);
 *   bus.onStateChange(state => ...);   // 'open' | 'closed'
 */
(function (global) {
  'use strict';

  var PING_MS = 5000;
  var MIN_BACKOFF_MS = 1000;
  var MAX_BACKOFF_MS = 10000;

  function EventBusClient(url) {
    if (!(this instanceof EventBusClient)) {
      return new EventBusClient(url);
    }
    this.url = url;
    this.handlers = new Map();      // address -> [fn]
    this.stateListeners = [];
    this.state = 'closed';
    this.socket = null;
    this.pingTimer = null;
    this.reconnectTimer = null;
    this.backoff = MIN_BACKOFF_MS;
    this.stopped = false;
    this._connect();
  }

  EventBusClient.prototype._connect = function () {
    var self = this;
    if (typeof global.SockJS !== 'function') {
      console.warn('EventBusClient: SockJS is not loaded');
      self._scheduleReconnect();
      return;
    }
    var sock;
    try {
      sock = new global.SockJS(self.url);
    } catch (e) {
      console.warn('EventBusClient: cannot open', self.url, e);
      self._scheduleReconnect();
      return;
    }
    self.socket = sock;

    sock.onopen = function () {
      if (self.socket !== sock) return;
      self.backoff = MIN_BACKOFF_MS;
      self.handlers.forEach(function (_fns, address) {
        self._send({ type: 'register', address: address });
      });
      self._startPing();
      self._setState('open');
    };

    sock.onmessage = function (e) {
      if (self.socket !== sock) return;
      var msg;
      try {
        msg = JSON.parse(e.data);
      } catch (err) {
        console.warn('EventBusClient: unparseable frame', err);
        return;
      }
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'rec') {
        var fns = self.handlers.get(msg.address);
        if (!fns) return;
        fns.slice().forEach(function (fn) {
          try {
            fn(msg.body, msg);
          } catch (err) {
            console.error('EventBusClient: handler for', msg.address, 'failed', err);
          }
        });
      } else if (msg.type === 'err') {
        console.warn('EventBusClient: bridge error', msg);
      }
      // 'pong' and anything else: ignored
    };

    sock.onclose = function () {
      if (self.socket !== sock) return;
      self.socket = null;
      self._stopPing();
      self._setState('closed');
      self._scheduleReconnect();
    };
  };

  EventBusClient.prototype._scheduleReconnect = function () {
    var self = this;
    if (self.stopped || self.reconnectTimer) return;
    var delay = self.backoff;
    self.backoff = Math.min(self.backoff * 2, MAX_BACKOFF_MS);
    self.reconnectTimer = setTimeout(function () {
      self.reconnectTimer = null;
      if (!self.stopped) self._connect();
    }, delay);
  };

  EventBusClient.prototype._startPing = function () {
    var self = this;
    self._stopPing();
    self.pingTimer = setInterval(function () {
      self._send({ type: 'ping' });
    }, PING_MS);
  };

  EventBusClient.prototype._stopPing = function () {
    if (this.pingTimer) {
      clearInterval(this.pingTimer);
      this.pingTimer = null;
    }
  };

  EventBusClient.prototype._send = function (frame) {
    var sock = this.socket;
    if (!sock || this.state !== 'open' && frame.type !== 'register') return;
    // SockJS readyState 1 = OPEN
    if (sock.readyState !== 1) return;
    try {
      sock.send(JSON.stringify(frame));
    } catch (e) {
      console.warn('EventBusClient: send failed', e);
    }
  };

  EventBusClient.prototype._setState = function (state) {
    if (this.state === state) return;
    this.state = state;
    this.stateListeners.slice().forEach(function (fn) {
      try {
        fn(state);
      } catch (e) {
        console.error('EventBusClient: state listener failed', e);
      }
    });
  };

  /** Registers a handler for an address; the first handler of an address registers it on the bridge. */
  EventBusClient.prototype.on = function (address, handler) {
    var fns = this.handlers.get(address);
    if (!fns) {
      fns = [];
      this.handlers.set(address, fns);
      if (this.state === 'open') this._send({ type: 'register', address: address });
    }
    fns.push(handler);
    return this;
  };

  /** Calls fn('open' | 'closed') whenever the connection state changes. */
  EventBusClient.prototype.onStateChange = function (fn) {
    this.stateListeners.push(fn);
    return this;
  };

  /** Closes the connection for good (no reconnect). */
  EventBusClient.prototype.close = function () {
    this.stopped = true;
    this._stopPing();
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    var sock = this.socket;
    this.socket = null;
    if (sock) {
      try { sock.close(); } catch (e) { /* ignore */ }
    }
    this._setState('closed');
  };

  global.EventBusClient = EventBusClient;
})(typeof window !== 'undefined' ? window : this);
