// map.mjs: the optional map on the report's "Where" page. beacon.mjs loads
// it only when the page has a map (the force has configured a tile server);
// without JavaScript the page asks for a postcode or a description instead.
//
// The map is a GOV.UK-style enhancement: the container starts hidden, and
// the pin's position goes in the form's hidden lat and lng inputs. It works
// by keyboard: arrow keys pan, + and - zoom, and a button puts the pin in
// the middle of the map. Leaflet is loaded from beside this file, so the
// strict CSP (script-src 'self') holds; tiles come from the configured
// server, which the CSP's img-src names.
const here = new URL('.', import.meta.url)

function load (src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script')
    s.src = new URL(src, here).href
    s.onload = resolve
    s.onerror = reject
    document.head.append(s)
  })
}

function stylesheet (href) {
  const l = document.createElement('link')
  l.rel = 'stylesheet'
  l.href = new URL(href, here).href
  document.head.append(l)
}

export async function initMap (root) {
  stylesheet('leaflet/leaflet.css')
  await load('leaflet/leaflet.js')
  const L = window.L
  const form = root.closest('form') || document
  const lat = form.querySelector('input[name="lat"]')
  const lng = form.querySelector('input[name="lng"]')
  const status = root.querySelector('.app-map__status')
  const canvas = root.querySelector('.app-map__canvas')
  const d = root.dataset
  root.hidden = false

  const map = L.map(canvas, { keyboard: true })
  L.tileLayer(d.tiles, { attribution: d.attribution, maxZoom: 19 }).addTo(map)
  let marker = null
  const place = (at, say) => {
    if (!marker) {
      marker = L.marker(at, { draggable: true, keyboard: false, title: 'Where it happened' }).addTo(map)
      marker.on('dragend', () => place(marker.getLatLng(), true))
    } else {
      marker.setLatLng(at)
    }
    lat.value = at.lat.toFixed(6)
    lng.value = at.lng.toFixed(6)
    if (say) status.textContent = 'Pin placed. You can move it, or continue.'
  }
  if (lat.value && lng.value) {
    const at = L.latLng(Number(lat.value), Number(lng.value))
    map.setView(at, 17)
    place(at, false)
    status.textContent = 'Your pin is on the map. You can move it.'
  } else {
    map.setView([Number(d.lat), Number(d.lng)], Number(d.zoom))
  }
  map.on('click', (e) => place(e.latlng, true))
  root.querySelector('.app-map__centre').addEventListener('click', () => place(map.getCenter(), true))
  root.querySelector('.app-map__remove').addEventListener('click', () => {
    if (marker) marker.remove()
    marker = null
    lat.value = ''
    lng.value = ''
    status.textContent = 'Pin removed.'
  })
}
