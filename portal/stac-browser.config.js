// Build-time configuration of stac-browser for stacfed's portal (portal/build.sh copies it
// over stac-browser's own config.js). What depends on the server (catalogUrl, catalogTitle)
// is not set here: stacfed serves /browser/config.js per request
// (window.STAC_BROWSER_CONFIG, merged over these values at run time).
module.exports = {
    catalogUrl: null,
    catalogTitle: "stacfed",
    catalogImage: null,
    // Catalogs elsewhere (a harvested source's own links) open inside the portal.
    allowExternalAccess: true,
    allowedDomains: [],
    detectLocaleFromBrowser: true,
    storeLocale: true,
    locale: "en",
    fallbackLocale: "en",
    supportedLocales: ["de", "en", "es", "fr", "it"],
    // Prefer the API's /collections over static child links when a catalog offers both.
    apiCatalogPriority: null,
    useTileLayerAsFallback: false,
    displayGeoTiffByDefault: false,
    displayPreview: true,
    displayOverview: true,
    buildTileUrlTemplate: null,
    getMapSourceOptions: null,
    // Served by stacfed at /browser/; history mode: stacfed answers every deep link
    // with index.html.
    pathPrefix: "/browser/",
    historyMode: "history",
    cardViewMode: "cards",
    cardViewSort: "asc",
    showKeywordsInItemCards: false,
    showKeywordsInCatalogCards: false,
    showThumbnailsAsAssets: false,
    searchResultsPerPage: 12,
    itemsPerPage: 12,
    collectionsPerPage: 12,
    maxEntriesPerPage: 1000,
    defaultThumbnailSize: null,
    crossOriginMedia: null,
    requestHeaders: {},
    requestQueryParameters: {},
    socialSharing: [],
    preprocessSTAC: null,
    authConfig: null,
    crs: {},
    footerLinks: null,
    // A smaller dist: no source maps.
    noSourceMaps: true
};
