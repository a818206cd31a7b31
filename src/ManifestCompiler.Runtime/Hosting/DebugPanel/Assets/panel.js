// The Debug panel (docs/debug-panel.md). It reads the runtime API as the signed-in key: every call carries the
// session cookie and the anti-forgery header, so the API answers exactly what that key may see. Text from the
// server is only ever set as textContent, never parsed as HTML.
"use strict";

const levels = ["Debug", "Info", "Warning", "Error"];
const maxEvents = 2000;
const events = [];
let session = null;

const $ = (id) => document.getElementById(id);

function headers(json) {
  const h = { [session.antiforgery_header]: session.antiforgery_token };
  if (json) {
    h["Content-Type"] = "application/json";
  }
  return h;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", cache: "no-store", ...options, headers: headers(options.body !== undefined) });
  if (response.status === 401) {
    showSignIn();
    throw new Error("signed out");
  }
  return response;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) {
    td.className = className;
  }
  row.appendChild(td);
  return td;
}

function fill(tbody, items, render) {
  const rows = items.map((item) => {
    const tr = document.createElement("tr");
    render(tr, item);
    return tr;
  });
  tbody.replaceChildren(...rows);
}

function showSignIn() {
  session = null;
  $("panel").hidden = true;
  $("who").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-failed").hidden = new URLSearchParams(location.search).get("sign-in") !== "failed";
}

async function refreshInstances() {
  const instances = await (await api("/instances")).json();
  fill($("instances"), instances, (tr, i) => {
    tr.dataset.instance = i.id;
    cell(tr, i.id, "mono");
    cell(tr, i.integration);
    cell(tr, i.company);
    cell(tr, i.dialect);
  });
  $("instances-empty").hidden = instances.length > 0;
  const select = $("run-instance");
  const chosen = select.value;
  select.replaceChildren(...instances.map((i) => {
    const option = document.createElement("option");
    option.value = i.id;
    option.textContent = i.id;
    return option;
  }));
  if (instances.some((i) => i.id === chosen)) {
    select.value = chosen;
  }
}

async function refreshRuns() {
  const runs = await (await api("/runs")).json();
  fill($("runs"), runs, (tr, r) => {
    tr.dataset.run = r.run_id;
    tr.dataset.correlation = r.correlation_id;
    cell(tr, new Date(r.started_at).toLocaleTimeString());
    cell(tr, r.run_id, "mono");
    cell(tr, r.instance, "mono");
    cell(tr, r.action);
    cell(tr, r.status, "status-" + r.status);
    cell(tr, r.duration_ms === null ? "…" : r.duration_ms + " ms");
    cell(tr, r.error, "error");
  });
}

async function refreshDeadLetters() {
  const response = await api("/runs/dead");
  if (response.status === 403) {
    $("dead").replaceChildren();
    $("dead-note").textContent = "The dead letters are shown to admin keys only.";
    return;
  }
  const dead = await response.json();
  fill($("dead"), dead, (tr, d) => {
    cell(tr, d.run_id, "mono");
    cell(tr, d.instance, "mono");
    cell(tr, d.action);
    cell(tr, d.crashes);
    cell(tr, d.last_error, "error");
  });
  $("dead-note").textContent = dead.length === 0 ? "No dead letters." : "";
}

async function refresh() {
  if (session === null) {
    return;
  }
  try {
    await Promise.all([refreshInstances(), refreshRuns(), refreshDeadLetters()]);
  } catch (e) {
    // Signed out, or the host went away: the next refresh tries again.
  }
}

function matches(e) {
  const level = $("filter-level").value;
  const action = $("filter-action").value.trim();
  const correlation = $("filter-correlation").value.trim();
  return levels.indexOf(e.Level) >= levels.indexOf(level)
    && (action === "" || e.Action.includes(action))
    && (correlation === "" || e.CorrelationId === correlation);
}

function eventRow(e) {
  const tr = document.createElement("tr");
  tr.className = "level-" + e.Level;
  tr.dataset.level = e.Level;
  tr.dataset.action = e.Action;
  tr.dataset.correlation = e.CorrelationId;
  cell(tr, new Date(e.Timestamp).toLocaleTimeString());
  cell(tr, e.Level);
  cell(tr, e.Action);
  cell(tr, e.CorrelationId, "mono");
  cell(tr, e.IntegrationId, "mono");
  cell(tr, e.Message);
  return tr;
}

function renderEvents() {
  $("events").replaceChildren(...events.filter(matches).reverse().map(eventRow));
}

function addEvent(e) {
  events.push(e);
  if (events.length > maxEvents) {
    events.shift();
  }
  if (matches(e)) {
    $("events").prepend(eventRow(e));
  }
}

// The event stream read with fetch rather than EventSource, which cannot send the anti-forgery header.
async function streamEvents() {
  while (session !== null) {
    try {
      const response = await api("/events");
      if (!response.ok) {
        throw new Error("the event stream answered " + response.status);
      }
      $("events-status").textContent = "live";
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (data !== "") {
            addEvent(JSON.parse(data));
            if (data.includes("\"Finished execution") || data.includes("\"Level\":\"Error\"")) {
              refresh();
            }
          }
        }
      }
    } catch (e) {
      // Reconnect below.
    }
    $("events-status").textContent = "disconnected, reconnecting…";
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function runAction(submit) {
  submit.preventDefault();
  const result = $("run-result");
  let payload;
  try {
    payload = JSON.parse($("run-payload").value || "{}");
  } catch (e) {
    result.textContent = "The payload is not JSON: " + e.message;
    result.className = "error";
    return;
  }
  const instance = $("run-instance").value;
  const response = await api("/instances/" + encodeURIComponent(instance) + "/runs", {
    method: "POST",
    body: JSON.stringify({ action: $("run-action").value.trim(), payload }),
  });
  const answer = await response.json();
  if (response.status === 202) {
    result.className = "note";
    result.textContent = "Queued run " + answer.run_id + ", correlation id " + answer.correlation_id;
    result.dataset.correlation = answer.correlation_id;
    refresh();
  } else {
    result.className = "error";
    result.textContent = "Refused (" + response.status + "): " + (answer.error ?? "");
  }
}

async function signOut() {
  try {
    await api("/debug/sign-out", { method: "POST" });
  } finally {
    location.replace("/");
  }
}

async function start() {
  const response = await fetch("/debug/session", { credentials: "same-origin", cache: "no-store" });
  if (response.status !== 200) {
    showSignIn();
    return;
  }
  session = await response.json();
  $("sign-in").hidden = true;
  $("panel").hidden = false;
  $("who").hidden = false;
  $("who-text").textContent = session.admin
    ? "Signed in with an admin key (" + session.key_id + ")"
    : "Signed in as " + session.user + " (" + session.role + ") of company " + session.company + " (key " + session.key_id + ")";
  if (location.search !== "") {
    history.replaceState(null, "", "/");
  }
  $("run-form").addEventListener("submit", runAction);
  $("sign-out").addEventListener("click", signOut);
  for (const id of ["filter-level", "filter-action", "filter-correlation"]) {
    $(id).addEventListener("input", renderEvents);
  }
  $("filter-clear").addEventListener("click", () => {
    $("filter-level").value = "Debug";
    $("filter-action").value = "";
    $("filter-correlation").value = "";
    renderEvents();
  });
  await refresh();
  setInterval(refresh, 2000);
  streamEvents();
}

document.addEventListener("DOMContentLoaded", start);
