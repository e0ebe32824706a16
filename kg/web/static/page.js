// The SPARQL page: YASGUI on this endpoint, with its prefixes and the saved
// queries as tabs. The server fills the JSON block #kg-config (kg/web).
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("kg-config").textContent);
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const Yasqe = Yasgui.Yasqe;

  // Autocompletion after PREFIX offers the endpoint's prefixes first (and
  // typing an undeclared "eli:" adds its PREFIX line). The class and property
  // completers ask Linked Open Vocabularies on the web: off, the page stays
  // offline (its Content-Security-Policy would refuse them anyway).
  const ours = Object.entries(config.prefixes).map(([name, iri]) => `${name}: <${iri}>`);
  const bundled = Yasqe.Autocompleters.prefixes.get;
  Yasqe.forkAutocompleter("prefixes", {
    name: "endpointPrefixes",
    get: (yasqe) => bundled(yasqe).then((all) => ours.concat(all.filter((p) => !ours.includes(p)))),
  }, false);
  Yasqe.defaults.autocompleters = ["endpointPrefixes", "variables"];

  // A shareable link is this page with ?query=… (opened, and run, by populateFromUrl).
  Yasgui.Tab.prototype.getShareableLink = function () {
    const url = new URL(window.location.pathname, window.location.href);
    url.search = new URLSearchParams({ query: this.getQuery() }).toString();
    return url.href;
  };

  const yasgui = new Yasgui(document.getElementById("editor"), {
    requestConfig: { endpoint: endpoint, method: "POST", acceptHeaderGraph: "text/turtle,*/*;q=0.9" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
    // Every tab queries this endpoint, whatever a link or an old session says.
    populateFromUrl: (tab) => {
      tab.requestConfig.endpoint = endpoint;
      return tab;
    },
    persistenceId: "legal-kg",
    yasqe: { value: config.defaultQuery, collapsePrefixesOnLoad: true },
    yasr: { prefixes: config.prefixes }, // results show eli:…, xsd:integer
  });

  // The saved queries are always there as tabs (a closed one comes back on
  // the next visit). A tab still holding the text this page last put in is
  // brought up to date when the saved query changes; an edited one is left.
  const SEEDED = "legal-kg.savedQueries";
  let seeded = {};
  try {
    seeded = JSON.parse(window.localStorage.getItem(SEEDED) || "{}") || {};
  } catch (error) {
    seeded = {};
  }
  for (const saved of config.savedQueries) {
    const id = "saved-" + saved.name;
    const tab = yasgui.getTab(id);
    if (!tab) {
      yasgui.addTab(false, { id: id, name: saved.name, yasqe: { value: saved.query } });
    } else {
      // Only the shown tab has an editor; the others are their persisted JSON.
      const json = tab.getPersistedJson();
      if (json.yasqe.value === seeded[id] && seeded[id] !== saved.query) {
        json.yasqe.value = saved.query;
        if (tab.getYasqe()) tab.getYasqe().setValue(saved.query);
        tab.emit("change", tab, json);
      }
    }
    seeded[id] = saved.query;
  }
  try {
    window.localStorage.setItem(SEEDED, JSON.stringify(seeded));
  } catch (error) {
    // storage full or disabled: the tabs still work, they are just not remembered
  }
  for (const id of yasgui.persistentConfig.getTabs()) {
    const tab = yasgui.getTab(id);
    if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  }
  window.yasgui = yasgui; // for the browser console (and the tests)
})();
