// layerscope's students' pages: what every page shares — the message log, the list of raw
// packets with their explanations (explain.js), the connection state and the Reconnect button.
// Everything a peer sent is shown as text (textContent), never as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
// The join code the teacher's address carries (?code=...), passed on to the server.
const code = new URLSearchParams(location.search).get('code');
const KEEP = 200;

function keep(listId, node) {
  const list = $(listId);
  list.prepend(node);
  while (list.children.length > KEEP) list.lastChild.remove();
}

// One line of the chat log.
function log(text) {
  const li = document.createElement('li');
  li.textContent = text;
  keep('log', li);
}

// One raw packet: `dir` is "out" (this browser sent it) or "in"; `e` is {wire, info, text}.
function frame(dir, transport, e) {
  const li = document.createElement('li');
  li.className = dir;
  const wire = e.wire.length > 400 ? e.wire.slice(0, 400) + '…' : e.wire;
  li.dataset.wire = e.wire.slice(0, 4096);
  li.dataset.info = e.info;
  const head = document.createElement('div');
  head.className = 'wire';
  head.textContent = (dir === 'out' ? '→ you send' : '← you receive') + ' (' + transport + '): ' + wire;
  const info = document.createElement('div');
  info.className = 'info';
  info.textContent = e.info;
  const why = document.createElement('div');
  why.className = 'why';
  why.textContent = e.text;
  li.append(head, info, why);
  keep('frames', li);
}

// The connection's state; the Reconnect button shows while not connected.
function setState(text, connected) {
  $('state').textContent = text;
  $('state').dataset.connected = connected ? 'yes' : 'no';
  $('reconnect').hidden = connected;
  $('send').disabled = !connected;
}

// "You are socket <sid> in namespace </>, over <websocket>": pieces as code.
function setWho(parts) {
  const p = $('who');
  p.textContent = '';
  parts.forEach((x, i) => {
    if (i % 2 === 0) p.append(x);
    else { const c = document.createElement('code'); c.textContent = x; p.append(c); }
  });
}

$('raw').addEventListener('change', () => { $('frames-box').hidden = !$('raw').checked; });

// Enter or the button sends the input's text through `send`.
function onSend(send) {
  const go = () => {
    const m = $('msg');
    if (m.value && !$('send').disabled) { send(m.value); m.value = ''; }
  };
  $('send').onclick = go;
  $('msg').addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
}
