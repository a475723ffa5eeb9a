/*
 * Click-to-draw on the hub's server-drawn maps (progressive enhancement).
 *
 * For every <svg data-draw-field="NAME" data-frame="west,south,east,north,width,height,margin">
 * drawn by the `mapa` macro (hub/templates/territory/mapa.html) and the
 * <textarea name="NAME" data-geo-kind="Point LineString Polygon"> of the same form, this
 * adds buttons (Punto / Línea / Área as the kinds allow, Deshacer, Borrar): clicks on the
 * map add vertices, the shape is drawn on the map as it grows, and the textarea gets its
 * GeoJSON (longitude, latitude; 6 decimals; polygons with a closed ring). A geometry
 * already in the textarea is drawn at load, and again whenever the text is edited or
 * pasted. Without JavaScript the textarea still takes GeoJSON text.
 *
 * The projection mirrors hub.territory.geo.Frame.xy / Frame.lonlat exactly
 * (tests/hub/enlace/test_territory_geo.py runs this file's math under node).
 * Plain ES2017, no libraries, nothing inline: works under CSP default-src 'self'.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var DECIMALS = 6;
  var MODES = [
    { kind: "Point", label: "Punto", needs: 1, hint: "Haga clic en el mapa para ubicar el punto." },
    { kind: "LineString", label: "Línea", needs: 2, hint: "Haga clic en el mapa para agregar cada punto del recorrido." },
    { kind: "Polygon", label: "Área", needs: 3, hint: "Haga clic en el mapa para agregar cada vértice del área; se cierra sola." },
  ];

  /* The projection of a data-frame attribute, as hub.territory.geo.Frame computes it. */
  function parseFrame(text) {
    var n = String(text || "").split(",").map(Number);
    if (n.length !== 7 || n.some(function (v) { return !isFinite(v); })) {
      return null;
    }
    var f = { west: n[0], south: n[1], east: n[2], north: n[3], width: n[4], height: n[5], margin: n[6] };
    var stretch = Math.cos(((f.south + f.north) / 2) * Math.PI / 180);
    var spanX = Math.max((f.east - f.west) * stretch, 1e-9);
    var spanY = Math.max(f.north - f.south, 1e-9);
    var scale = Math.min((f.width - 2 * f.margin) / spanX, (f.height - 2 * f.margin) / spanY);
    f.sx = scale * stretch;
    f.sy = scale;
    f.left = (f.width - (f.east - f.west) * f.sx) / 2;
    f.top = (f.height - (f.north - f.south) * f.sy) / 2;
    return f;
  }

  function xy(f, lon, lat) {
    return [f.left + (lon - f.west) * f.sx, f.top + (f.north - lat) * f.sy];
  }

  function lonlat(f, x, y) {
    return [f.west + (x - f.left) / f.sx, f.north - (y - f.top) / f.sy];
  }

  function round(value) {
    return Number(value.toFixed(DECIMALS));
  }

  /* The GeoJSON geometry of `vertices` drawn as `kind` (null when there are none). */
  function geometry(kind, vertices) {
    if (!vertices.length) {
      return null;
    }
    var positions = vertices.map(function (p) { return [round(p[0]), round(p[1])]; });
    if (kind === "Point") {
      return { type: "Point", coordinates: positions[positions.length - 1] };
    }
    if (kind === "LineString") {
      return { type: "LineString", coordinates: positions };
    }
    return { type: "Polygon", coordinates: [positions.concat([positions[0]])] };
  }

  /* What the textarea holds, as {kind, vertices} to go on drawing, or {rings} to show
     only (holes, several polygons), or null. */
  function read(text) {
    var data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      return null;
    }
    if (data && data.type === "FeatureCollection" && Array.isArray(data.features) && data.features.length === 1) {
      data = data.features[0];
    }
    if (data && data.type === "Feature") {
      data = data.geometry;
    }
    if (!data || !Array.isArray(data.coordinates)) {
      return null;
    }
    var c = data.coordinates;
    if (data.type === "Point" && isPosition(c)) {
      return { kind: "Point", vertices: [c.slice(0, 2)] };
    }
    if (data.type === "LineString" && c.every(isPosition)) {
      return { kind: "LineString", vertices: c.map(function (p) { return p.slice(0, 2); }) };
    }
    var polygons = data.type === "Polygon" ? [c] : data.type === "MultiPolygon" ? c : [];
    var rings = [];
    polygons.forEach(function (polygon) {
      (Array.isArray(polygon) ? polygon : []).forEach(function (ring) {
        if (Array.isArray(ring) && ring.length >= 2 && ring.every(isPosition)) {
          rings.push(ring.map(function (p) { return p.slice(0, 2); }));
        }
      });
    });
    if (!rings.length) {
      return null;
    }
    if (rings.length === 1) {
      var ring = rings[0];
      var last = ring[ring.length - 1];
      if (ring.length > 1 && last[0] === ring[0][0] && last[1] === ring[0][1]) {
        ring = ring.slice(0, -1);
      }
      return { kind: "Polygon", vertices: ring };
    }
    return { kind: "Polygon", rings: rings };
  }

  function isPosition(p) {
    return Array.isArray(p) && p.length >= 2 && typeof p[0] === "number" && typeof p[1] === "number";
  }

  function element(name, attributes, parent) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function pathData(f, positions, close) {
    return positions.map(function (p, i) {
      var point = xy(f, p[0], p[1]);
      return (i ? "L" : "M") + point[0].toFixed(1) + "," + point[1].toFixed(1);
    }).join(" ") + (close ? " Z" : "");
  }

  function Tool(svg, textarea, frame) {
    var kinds = (textarea.getAttribute("data-geo-kind") || "Point LineString Polygon").split(/\s+/);
    if (kinds.indexOf("MultiPolygon") >= 0 && kinds.indexOf("Polygon") < 0) {
      kinds.push("Polygon");
    }
    this.svg = svg;
    this.textarea = textarea;
    this.frame = frame;
    this.modes = MODES.filter(function (mode) { return kinds.indexOf(mode.kind) >= 0; });
    this.mode = this.modes[0];
    this.vertices = [];
    this.shown = null; /* rings drawn only: what the textarea had that clicks cannot extend */
    this.layer = element("g", { "class": "dibujo", "pointer-events": "none" }, svg);
    this.buttons = {};
    if (!this.modes.length) {
      return;
    }
    this.build();
    this.load();
  }

  Tool.prototype.build = function () {
    var tool = this;
    var bar = document.createElement("div");
    bar.className = "dibujo-herramientas no-print";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Dibujar en el mapa");
    var group = document.createElement("span");
    group.className = "dibujo-modos";
    tool.modes.forEach(function (mode) {
      var button = tool.button(mode.label, function () { tool.choose(mode); });
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("data-kind", mode.kind);
      tool.buttons[mode.kind] = button;
      group.appendChild(button);
      group.appendChild(document.createTextNode(" "));
    });
    bar.appendChild(group);
    bar.appendChild(tool.button("Deshacer", function () { tool.undo(); }, "secondary"));
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(tool.button("Borrar", function () { tool.clear(); }, "secondary"));
    tool.status = document.createElement("p");
    tool.status.className = "hint dibujo-estado";
    tool.status.setAttribute("aria-live", "polite");
    var figure = tool.svg.closest("figure") || tool.svg;
    figure.parentNode.insertBefore(bar, figure);
    figure.parentNode.insertBefore(tool.status, figure.nextSibling);
    tool.svg.classList.add("dibujable");
    tool.svg.setAttribute("cursor", "crosshair");
    tool.svg.addEventListener("click", function (event) { tool.click(event); });
    tool.textarea.addEventListener("input", function () { tool.load(); });
  };

  Tool.prototype.button = function (label, action, css) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    if (css) {
      button.className = css;
    }
    button.addEventListener("click", action);
    return button;
  };

  Tool.prototype.choose = function (mode) {
    this.mode = mode;
    if (mode.kind === "Point" && this.vertices.length > 1) {
      this.vertices = this.vertices.slice(-1);
    }
    this.shown = null;
    this.update(true);
  };

  Tool.prototype.click = function (event) {
    var point = this.svgPoint(event);
    if (!point) {
      return;
    }
    var position = lonlat(this.frame, point[0], point[1]);
    if (this.mode.kind === "Point") {
      this.vertices = [position];
    } else {
      this.vertices.push(position);
    }
    this.shown = null;
    this.update(true);
  };

  /* The click in the SVG's own coordinates (its viewBox), whatever its size on screen. */
  Tool.prototype.svgPoint = function (event) {
    var matrix = this.svg.getScreenCTM && this.svg.getScreenCTM();
    if (matrix && this.svg.createSVGPoint) {
      var point = this.svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(matrix.inverse());
      return [local.x, local.y];
    }
    var box = this.svg.getBoundingClientRect();
    if (!box.width || !box.height) {
      return null;
    }
    return [
      (event.clientX - box.left) * this.frame.width / box.width,
      (event.clientY - box.top) * this.frame.height / box.height,
    ];
  };

  Tool.prototype.undo = function () {
    this.vertices.pop();
    this.shown = null;
    this.update(true);
  };

  Tool.prototype.clear = function () {
    this.vertices = [];
    this.shown = null;
    this.update(true);
  };

  /* Draw what the textarea holds (at load, and when someone types or pastes GeoJSON). */
  Tool.prototype.load = function () {
    var found = read(this.textarea.value);
    this.vertices = [];
    this.shown = null;
    if (found) {
      var mode = this.modes.filter(function (m) { return m.kind === found.kind; })[0];
      if (mode) {
        this.mode = mode;
      }
      if (found.rings) {
        this.shown = found.rings;
      } else {
        this.vertices = found.vertices;
      }
    }
    this.update(false);
  };

  Tool.prototype.update = function (write) {
    var tool = this;
    Object.keys(tool.buttons).forEach(function (kind) {
      tool.buttons[kind].setAttribute("aria-pressed", String(kind === tool.mode.kind));
    });
    if (write) {
      var value = geometry(tool.mode.kind, tool.vertices);
      tool.textarea.value = value ? JSON.stringify(value) : "";
      tool.textarea.dispatchEvent(new Event("change", { bubbles: true }));
    }
    tool.draw();
    var missing = tool.mode.needs - tool.vertices.length;
    if (tool.shown) {
      tool.status.textContent = "La geometría tiene varios anillos o polígonos: se muestra tal cual; " +
        "haga clic en el mapa para dibujarla de nuevo.";
    } else if (!tool.vertices.length) {
      tool.status.textContent = tool.mode.hint;
    } else if (missing > 0) {
      tool.status.textContent = "Faltan " + missing + (missing === 1 ? " punto." : " puntos.");
    } else {
      tool.status.textContent = tool.vertices.length + (tool.vertices.length === 1 ? " punto." : " puntos.") +
        " Use Deshacer para quitar el último.";
    }
  };

  Tool.prototype.draw = function () {
    var f = this.frame;
    var layer = this.layer;
    while (layer.firstChild) {
      layer.removeChild(layer.firstChild);
    }
    if (this.shown) {
      var d = this.shown.map(function (ring) { return pathData(f, ring, true); }).join(" ");
      element("path", { d: d, fill: "#1f4e8c", "fill-opacity": "0.2", "fill-rule": "evenodd", stroke: "#1f4e8c", "stroke-width": "2", "stroke-dasharray": "6 4" }, layer);
      return;
    }
    var kind = this.mode.kind;
    if (this.vertices.length > 1 && kind !== "Point") {
      element("path", {
        d: pathData(f, this.vertices, kind === "Polygon" && this.vertices.length > 2),
        fill: kind === "Polygon" ? "#1f4e8c" : "none",
        "fill-opacity": "0.2",
        stroke: "#1f4e8c",
        "stroke-width": "2.5",
        "stroke-linejoin": "round",
      }, layer);
    }
    this.vertices.forEach(function (p) {
      var point = xy(f, p[0], p[1]);
      element("circle", {
        cx: point[0].toFixed(1), cy: point[1].toFixed(1), r: kind === "Point" ? "7" : "4",
        fill: kind === "Point" ? "#b3261e" : "#fff", stroke: "#1f4e8c", "stroke-width": "2",
      }, layer);
    });
  };

  function start() {
    var maps = document.querySelectorAll("svg[data-draw-field]");
    Array.prototype.forEach.call(maps, function (svg) {
      var name = svg.getAttribute("data-draw-field");
      var frame = parseFrame(svg.getAttribute("data-frame"));
      var scope = svg.closest("form") || document;
      var textarea = Array.prototype.filter.call(
        scope.querySelectorAll("textarea[name]"),
        function (node) { return node.name === name; }
      )[0];
      if (frame && textarea && !svg.hasAttribute("data-draw-ready")) {
        svg.setAttribute("data-draw-ready", "");
        new Tool(svg, textarea, frame); // eslint-disable-line no-new
      }
    });
  }

  var api = { parseFrame: parseFrame, xy: xy, lonlat: lonlat, geometry: geometry, read: read };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api; /* node, for the tests */
  }
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }
}());
