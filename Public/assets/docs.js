// The API reference: fetches /openapi.json (this server's own OpenAPI 3.1 document) and renders every
// route with its parameters, request body, responses and schemas. No library: the document is small
// and every string goes in as text (dom.js), so nothing in it can become markup.
import { h, replaceChildren, setMessage } from './dom.js';

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace'];

async function main() {
  const loading = document.getElementById('loading');
  try {
    const response = await fetch('/openapi.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    render(await response.json());
    document.getElementById('reference').hidden = false;
    // The sections exist only now, so the browser could not follow a link's #fragment on load.
    if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  } catch (error) {
    setMessage(document.getElementById('error'), `The API description could not be loaded: ${error.message}`);
  } finally {
    loading.hidden = true;
  }
}

function render(doc) {
  document.getElementById('docs-title').textContent = `${doc.info?.title ?? 'API'} ${doc.info?.version ?? ''}`.trim();
  document.getElementById('docs-openapi-version').textContent = doc.openapi ?? '';
  replaceChildren(document.getElementById('docs-description'), ...prose(doc.info?.description));

  const operations = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (item[method]) operations.push({ path, method, op: item[method], shared: item.parameters ?? [] });
    }
  }
  const tags = [...new Set(operations.map((o) => o.op.tags?.[0] ?? 'Other'))];
  const index = document.getElementById('docs-index');
  replaceChildren(index, h('h2', { text: 'Routes' }), ...tags.map((tag) => [
    h('h3', { text: tag }),
    h('ul', {}, operations.filter((o) => (o.op.tags?.[0] ?? 'Other') === tag).map((o) =>
      h('li', { 'data-filter': filterText(o) }, h('a', { href: `#${anchor(o)}` },
        h('span', { class: `method method-${o.method}`, text: o.method.toUpperCase() }), ' ', h('span', { class: 'path', text: o.path }))))),
  ]));
  replaceChildren(document.getElementById('docs-operations'), ...operations.map((o) => operation(doc, o)));
  replaceChildren(document.getElementById('docs-security'), ...Object.entries(doc.components?.securitySchemes ?? {}).flatMap(([name, scheme]) => [
    h('dt', { id: `security-${name}`, text: name }),
    h('dd', {}, h('span', { class: 'type', text: [scheme.type, scheme.scheme, scheme.bearerFormat].filter(Boolean).join(' · ') }), ...prose(scheme.description)),
  ]));
  replaceChildren(document.getElementById('docs-schemas'), ...Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) =>
    h('section', { class: 'schema-def', id: `schema-${name}`, 'data-schema': name }, h('h3', { text: name }), ...prose(schema.description), schemaTree(doc, schema, true))));

  const filter = document.getElementById('docs-filter');
  filter.addEventListener('input', () => applyFilter(filter.value));
}

function anchor({ method, path }) {
  return `${method}-${path}`.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function filterText({ path, method, op }) {
  return [method, path, op.summary, op.description, op.tags?.join(' '), Object.keys(op.responses ?? {}).join(' ')].join(' ').toLowerCase();
}

function applyFilter(text) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (element) => words.every((word) => element.dataset.filter.includes(word));
  for (const element of document.querySelectorAll('[data-filter]')) element.hidden = !matches(element);
}

function operation(doc, { path, method, op, shared }) {
  const parameters = [...shared, ...(op.parameters ?? [])].map((p) => resolve(doc, p));
  const security = op.security ?? doc.security ?? [];
  return h('section', { class: 'panel operation', id: anchor({ method, path }), 'data-path': path, 'data-method': method, 'data-filter': filterText({ path, method, op }) },
    h('h2', {}, h('span', { class: `method method-${method}`, text: method.toUpperCase() }), h('span', { class: 'path', text: path })),
    op.summary ? h('p', { class: 'summary', text: op.summary }) : null,
    ...prose(op.description),
    h('h4', { text: 'Credentials' }),
    securityLine(security),
    parameters.length ? [h('h4', { text: 'Parameters' }), parameterTable(doc, parameters)] : null,
    op.requestBody ? requestBody(doc, resolve(doc, op.requestBody)) : null,
    h('h4', { text: 'Responses' }),
    h('ul', { class: 'responses' }, Object.entries(op.responses ?? {}).map(([status, r]) => responseItem(doc, status, resolve(doc, r)))));
}

function securityLine(security) {
  if (!security.length) return h('p', { text: 'none' });
  const options = security.map((requirement) => {
    const names = Object.keys(requirement);
    if (!names.length) return h('span', { text: 'none' });
    return h('span', {}, ...names.flatMap((name, i) => [i ? ' and ' : '', h('a', { href: `#security-${name}`, text: name })]));
  });
  return h('p', {}, ...options.flatMap((option, i) => (i ? [' or ', option] : [option])));
}

function parameterTable(doc, parameters) {
  return h('table', {},
    h('colgroup', {}, ['name', 'in', 'type', 'description'].map((name) => h('col', { class: name }))),
    h('thead', {}, h('tr', {}, ['name', 'in', 'type', 'description'].map((text) => h('th', { scope: 'col', text })))),
    h('tbody', {}, parameters.map((p) => h('tr', {},
      h('td', {}, h('span', { class: 'prop', text: p.name }), p.required ? h('span', { class: 'required', title: 'required', text: '*' }) : null),
      h('td', { text: p.in }),
      h('td', {}, typeLabel(doc, p.schema ?? {})),
      h('td', {}, ...prose(p.description))))));
}

function requestBody(doc, body) {
  return [
    h('h4', { text: `Request body${body.required ? '' : ' (optional)'}` }),
    ...prose(body.description),
    ...Object.entries(body.content ?? {}).map(([type, media]) => h('div', {}, h('span', { class: 'media', text: type }), bodySchema(doc, media.schema ?? {}))),
  ];
}

function responseItem(doc, status, response) {
  const kind = status.startsWith('2') ? 'ok' : status.startsWith('3') ? 'redirect' : status.startsWith('4') ? 'client' : 'server';
  const headers = Object.entries(response.headers ?? {});
  return h('li', { class: `response ${kind}`, 'data-status': status },
    h('div', {}, h('span', { class: 'status', text: status }), ...inline(response.description ?? '')),
    headers.length ? h('p', { class: 'hint' }, 'Headers: ', ...headers.flatMap(([name, header], i) =>
      [i ? ', ' : '', h('code', { text: name }), ...(header.description ? [' (', ...inline(header.description), ')'] : [])])) : null,
    ...Object.entries(response.content ?? {}).map(([type, media]) => h('div', {},
      h('span', { class: 'media', text: type }),
      media['x-sse-events']
        ? h('ul', { class: 'schema' }, Object.entries(media['x-sse-events']).map(([event, schema]) =>
          h('li', {}, h('span', { class: 'prop', text: `event: ${event}` }), ' data ', typeLabel(doc, schema))))
        : bodySchema(doc, media.schema ?? {}, kind === 'ok'))));
}

/** A body's schema: a named one is linked, and (for requests and successes) also spelled out here. */
function bodySchema(doc, schema, expand = true) {
  if (!refName(schema)) return schemaTree(doc, schema);
  if (!expand) return typeLabel(doc, schema);
  return h('div', {}, typeLabel(doc, schema), schemaTree(doc, schema, true));
}

// MARK: Schemas

function resolve(doc, value) {
  let node = value;
  for (let depth = 0; node && node.$ref && depth < 10; depth += 1) {
    node = node.$ref.replace(/^#\//, '').split('/').reduce((at, key) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return node ?? {};
}

function refName(schema) {
  return schema?.$ref?.startsWith('#/components/schemas/') ? schema.$ref.slice('#/components/schemas/'.length) : null;
}

/** A one-line description of a schema's type: a link for a named schema, `a | b` for alternatives. */
function typeLabel(doc, schema) {
  const name = refName(schema);
  if (name) return h('a', { class: 'type', href: `#schema-${name}`, text: name });
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return h('span', {}, alternatives.flatMap((s, i) => (i ? [' | ', typeLabel(doc, s)] : [typeLabel(doc, s)])));
  if ('const' in schema) return h('code', { text: JSON.stringify(schema.const) });
  if (schema.enum) return h('span', { class: 'type' }, schema.enum.map((v) => JSON.stringify(v)).join(' | '));
  const types = [].concat(schema.type ?? 'any');
  if (types.includes('array')) {
    return h('span', { class: 'type' }, 'array of ', typeLabel(doc, schema.items ?? {}), types.includes('null') ? ' | null' : '');
  }
  return h('span', { class: 'type', text: types.join(' | ') + (schema.format ? ` (${schema.format})` : '') });
}

/** A schema as a nested list: its type, then its properties (required ones marked) and their own. */
function schemaTree(doc, schema, expandTop = false, depth = 0) {
  const name = refName(schema);
  if (name && !expandTop) return h('div', {}, typeLabel(doc, schema));
  const target = name ? resolve(doc, schema) : schema;
  const properties = Object.entries(target.properties ?? {});
  const item = target.items && !refName(target.items) && target.items.properties ? target.items : null;
  return h('div', {},
    properties.length || item ? null : typeLabel(doc, target),
    item ? [h('span', { class: 'type', text: 'array of' }), schemaTree(doc, item, false, depth + 1)] : null,
    properties.length ? h('ul', { class: 'schema' }, properties.map(([key, sub]) => h('li', {},
      h('span', { class: 'prop', text: key }),
      (target.required ?? []).includes(key) ? h('span', { class: 'required', title: 'required', text: '*' }) : null,
      ' ', typeLabel(doc, sub),
      sub.description ? [' — ', ...inline(sub.description)] : null,
      depth < 4 && !refName(sub) && (sub.properties || sub.items?.properties) ? schemaTree(doc, sub, false, depth + 1) : null))) : null,
    target.additionalProperties === true && properties.length ? h('p', { class: 'hint', text: 'Other properties may appear.' }) : null);
}

// MARK: Text

/** Paragraphs and ``` blocks of a description; `code` spans inside paragraphs. */
function prose(text) {
  if (!text) return [];
  return text.split('```').flatMap((block, i) => {
    if (i % 2 === 1) return [h('pre', {}, h('code', { text: block.replace(/^\n/, '') }))];
    return block.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).map((p) => h('p', {}, ...inline(p)));
  });
}

function inline(text) {
  return text.replace(/\*\*/g, '').split('`').map((part, i) => (i % 2 === 1 ? h('code', { text: part }) : part));
}

main();
