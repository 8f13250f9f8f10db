// layerscope's students' pages: one line for each packet a student's browser sends or
// receives, with a one-sentence explanation.
//
// `info` is the same text the teacher's window shows in its Info column for that packet
// (src/engine/app_layers/socketio_info.rs and app_layers.rs), so a student can find their own
// packet on the projector; tests/browser.rs checks it against the teacher's capture. The
// sentences speak to the student ("you", "your browser"); they are checked against the
// Engine.IO v4 / Socket.IO v5 protocol documents and RFC 6455 in docs/teaching-content.md.
'use strict';
(function (root) {
  const SIO = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'];
  const EIO = { open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6' };

  // JSON as the decoder writes it (serde_json): compact, object keys sorted.
  function canon(v) {
    if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
    if (v !== null && typeof v === 'object') {
      return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
    }
    return JSON.stringify(v);
  }
  // The first n characters (code points, as the decoder counts them).
  function first(s, n) {
    const a = Array.from(s);
    return a.length > n ? a.slice(0, n).join('') : s;
  }
  function count(n, what) {
    return n + ' ' + what + (n === 1 ? '' : 's');
  }

  // A Socket.IO v5 packet: type digit, [attachments "-"], [namespace ","], [ack id], [JSON].
  function parseSio(t) {
    const typ = t.charCodeAt(0) - 48;
    if (!(typ >= 0 && typ <= 6)) return null;
    let i = 1;
    let attachments = null;
    if (typ === 5 || typ === 6) {
      const m = /^(\d+)-/.exec(t.slice(i));
      if (m) { attachments = Number(m[1]); i += m[0].length; }
    }
    let ns = '/';
    if (t[i] === '/') {
      const c = t.indexOf(',', i);
      ns = t.slice(i, c < 0 ? t.length : c);
      i = c < 0 ? t.length : c + 1;
    }
    let ack = null;
    const m = /^\d+/.exec(t.slice(i));
    if (m) { ack = Number(m[0]); i += m[0].length; }
    let json;
    if (i < t.length) {
      try { json = JSON.parse(t.slice(i)); } catch (e) { return null; }
    }
    return { typ, attachments, ns, ack, json };
  }

  // One Engine.IO packet as text on the wire (`42["chat message","hi"]`), sent by the
  // student (`mine`) or by the server.
  function eio(wire, mine) {
    const who = mine ? 'You' : 'The server';
    const t = wire[0];
    const probe = wire.slice(1) === 'probe';
    switch (t) {
      case '0': return { info: 'Engine.IO open', text: 'The server opens your Engine.IO session: its JSON gives your session id (sid), the transports you may upgrade to, pingInterval and pingTimeout.' };
      case '1': return { info: 'Engine.IO close', text: who + ' closes the Engine.IO session.' };
      case '2': return probe
        ? { info: 'Engine.IO ping probe', text: (mine ? 'Your browser tests' : 'The server tests') + ' the new WebSocket before switching to it (Engine.IO ping "probe"); the answer must be pong "probe".' }
        : { info: 'Engine.IO ping', text: mine ? 'Your browser checks the session is alive (Engine.IO ping).' : 'The server checks you are still there (Engine.IO heartbeat ping, sent every pingInterval); your browser must answer with a pong within pingTimeout.' };
      case '3': return probe
        ? { info: 'Engine.IO pong probe', text: 'The server answers the probe (Engine.IO pong "probe"): the WebSocket works, so your browser can now send upgrade (5).' }
        : { info: 'Engine.IO pong', text: mine ? 'Your browser answers the server\'s heartbeat ping (Engine.IO pong).' : 'The server answers the Engine.IO ping (pong).' };
      case '5': return { info: 'Engine.IO upgrade', text: 'Your browser switches the session from HTTP long-polling to this WebSocket (Engine.IO upgrade); from now on every packet travels over it.' };
      case '4': return sio(wire.slice(1), mine);
      default: return { info: 'Engine.IO noop', text: 'The server answers the pending long-polling GET with a noop, so polling ends cleanly during the upgrade.' };
    }
  }

  function sio(data, mine) {
    const who = mine ? 'You' : 'The server';
    const s = parseSio(data);
    if (!s) return { info: 'Socket.IO', text: who + ' sends a Socket.IO packet.' };
    const ns = s.ns;
    const whole = s.json === undefined ? '' : canon(s.json);
    switch (s.typ) {
      case 0: return {
        info: 'Socket.IO CONNECT ' + ns,
        text: mine
          ? 'You ask to join the Socket.IO namespace ' + ns + ' (the server answers with CONNECT and your socket id, or CONNECT_ERROR).'
          : 'The server accepts you into the Socket.IO namespace ' + ns + '; its CONNECT carries your socket id (sid).',
      };
      case 1: return { info: 'Socket.IO DISCONNECT ' + ns, text: who + (mine ? ' leave' : ' ends your connection to') + ' the Socket.IO namespace ' + ns + ' (no answer is expected).' };
      case 2: case 5: {
        const a = Array.isArray(s.json) ? s.json : [];
        const ev = typeof a[0] === 'string' ? a[0] : '?';
        const args = s.json === undefined ? '' : (Array.isArray(s.json) ? canon(a.slice(1)) : whole);
        let info = 'Socket.IO ' + SIO[s.typ] + ' "' + ev + '" ' + first(args, 80);
        if (s.ack !== null) info += ' ack=' + s.ack;
        const ack = s.ack === null ? '' : ' and ' + (mine ? 'ask' : 'asks') + ' for an acknowledgement (ack id ' + s.ack + ')';
        const bin = s.typ === 5 ? ' with ' + count(s.attachments || 0, 'binary attachment') : '';
        const text = mine
          ? 'You emit the event \'' + ev + '\' on ' + ns + ack + bin + '; the server runs its handler for \'' + ev + '\', if it has one.'
          : 'The server emits the event \'' + ev + '\' to you on ' + ns + ack + bin + '; your page runs its handler for \'' + ev + '\' (socket.on).';
        return { info, text };
      }
      case 3: case 6: {
        const id = s.ack === null ? '(no id)' : String(s.ack);
        return {
          info: 'Socket.IO ' + SIO[s.typ] + ' ' + id + ' ' + first(whole, 80),
          text: who + ' acknowledge' + (mine ? '' : 's') + ' the event with ack id ' + id + ': the callback its sender passed to emit runs with these arguments.',
        };
      }
      case 4: return { info: 'Socket.IO CONNECT_ERROR ' + ns, text: 'The server refuses your connection to namespace ' + ns + ': ' + first(whole, 80) + '.' };
      default: return { info: 'Socket.IO', text: who + ' sends a Socket.IO packet.' };
    }
  }

  // A binary Engine.IO message: the attachment of a BINARY_EVENT / BINARY_ACK.
  function binary(n, mine) {
    return {
      info: 'Socket.IO binary attachment (' + count(n, 'byte') + ')',
      text: (mine ? 'You send' : 'The server sends') + ' the binary attachment of a Socket.IO packet (' + count(n, 'byte') + ') as its own message.',
    };
  }

  // A packet object of the Engine.IO client library ({type: "message", data: ...}).
  function packet(p, mine) {
    if (p.type === 'message' && typeof p.data !== 'string') {
      const n = p.data && (p.data.byteLength !== undefined ? p.data.byteLength : p.data.size) || 0;
      return Object.assign({ wire: '(' + count(n, 'byte') + ' of binary data)' }, binary(n, mine));
    }
    const wire = (EIO[p.type] || '?') + (p.data === undefined ? '' : String(p.data));
    return Object.assign({ wire }, eio(wire, mine));
  }

  // A WebSocket frame of the WebSocket page (browsers send each message in one frame).
  function ws(kind, mine, detail) {
    const masked = mine ? ' [MASKED]' : '';
    if (kind === 'close') {
      return {
        info: 'WebSocket Connection Close [FIN]' + masked,
        text: mine
          ? 'You start the WebSocket closing handshake (' + detail + '); the server must answer with its own Close frame, then TCP closes.'
          : 'The server answers with its Close frame (' + detail + '): the closing handshake is complete.',
      };
    }
    const what = kind === 'binary' ? 'binary' : 'text';
    return {
      info: 'WebSocket ' + (kind === 'binary' ? 'Binary' : 'Text') + ' [FIN]' + masked,
      text: mine
        ? 'You send a ' + what + ' frame (opcode ' + (kind === 'binary' ? 2 : 1) + ', FIN set: the whole message in one frame), masked, as every frame from a browser must be.'
        : 'The server sends a ' + what + ' frame, unmasked, as every frame from a server must be.',
    };
  }

  root.layerscopeExplain = { eio, sio, binary, packet, ws, canon, parseSio };
})(typeof window !== 'undefined' ? window : globalThis);
