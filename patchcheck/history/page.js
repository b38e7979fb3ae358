"use strict";
// kfunccheck history: filters, search and keys over the table the page
// already holds. Without this script the table and every kfunc's
// contract (at its #anchor) read the same.
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  var data = JSON.parse(document.getElementById("kc-data").textContent);
  var byName = {};
  data.kfuncs.forEach(function (k) { byName[k.n] = k; });
  var $ = function (id) { return document.getElementById(id); };
  var rows = Array.prototype.slice.call(document.querySelectorAll("#kc-matrix tbody tr"));
  var form = $("kc-controls");
  form.hidden = false;

  // A version v of kfunc k covers release r (or any, r < 0).
  var covers = function (v, r) { return r < 0 || (v.f <= r && r <= v.t); };
  var apply = function () {
    var q = $("kc-search").value.trim().toLowerCase();
    var sub = $("kc-subsystem").value, pt = $("kc-progtype").value, fl = $("kc-flag").value;
    var rel = $("kc-release").value === "" ? -1 : +$("kc-release").value;
    var changed = $("kc-changed").checked;
    var n = 0;
    rows.forEach(function (tr) {
      var k = byName[tr.dataset.name];
      var ok = !!k && (!sub || k.sub === sub) && (!changed || k.c) && (!q || k.s.indexOf(q) >= 0);
      if (ok && (pt || fl || rel >= 0)) {
        ok = k.v.some(function (v) {
          return covers(v, rel) &&
            (!pt || (v.cf || []).indexOf(pt) >= 0 || (v.cf || []).indexOf("BPF_PROG_TYPE_UNSPEC") >= 0) &&
            (!fl || (v.fl || []).indexOf(fl) >= 0);
        });
      }
      tr.hidden = !ok;
      if (ok) { n++; }
    });
    $("kc-count").textContent = n + " of " + rows.length + " kfuncs";
  };
  ["kc-search", "kc-subsystem", "kc-progtype", "kc-release", "kc-flag", "kc-changed"].forEach(function (id) {
    $(id).addEventListener("input", apply);
    $(id).addEventListener("change", apply);
  });

  // The open contract: the article the hash names.
  var open = function () {
    rows.forEach(function (r) { r.classList.remove("selected"); });
    var id = decodeURIComponent(location.hash.slice(1));
    var art = id && document.getElementById(id);
    if (!art || !art.classList.contains("kfunc")) { return; }
    var row = document.getElementById("row-" + id);
    if (row) { row.classList.add("selected"); }
    var h = document.getElementById("h-" + id);
    if (h) { h.focus({ preventScroll: true }); }
  };
  var close = function () {
    var id = decodeURIComponent(location.hash.slice(1));
    var art = id && document.getElementById(id);
    if (!art || !art.classList.contains("kfunc")) { return false; }
    history.replaceState(null, "", location.pathname + location.search);
    var link = document.querySelector("#row-" + CSS.escape(id) + " a");
    if (link) { link.focus(); }
    return true;
  };
  window.addEventListener("hashchange", open);
  // The drawer's own "back to the table" link closes it.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.back");
    if (a) { e.preventDefault(); close(); }
  });

  // Keys: / searches, j/k and the arrows move between the visible
  // kfuncs, Escape closes a contract.
  var move = function (step) {
    var links = rows.filter(function (r) { return !r.hidden; }).map(function (r) { return r.querySelector("a"); });
    if (!links.length) { return; }
    var i = links.indexOf(document.activeElement);
    i = i < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, i + step));
    links[i].focus();
    links[i].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", function (e) {
    var t = e.target, typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
    if (e.key === "Escape") {
      if (close()) { e.preventDefault(); } else if (t === $("kc-search")) { t.blur(); }
      return;
    }
    if (typing || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === "/") { e.preventDefault(); $("kc-search").focus(); }
    // The arrows move between kfuncs only from a kfunc: elsewhere they
    // scroll, as always.
    var inTable = t && t.closest && t.closest("#kc-matrix");
    if (e.key === "j" || (inTable && e.key === "ArrowDown")) { e.preventDefault(); move(1); }
    else if (e.key === "k" || (inTable && e.key === "ArrowUp")) { e.preventDefault(); move(-1); }
  });
  apply();
  open();
})();
