// Parses Mermaid diagrams with the mermaid library itself, in Node: jsdom gives
// DOMPurify the window it needs. Reads a JSON array of diagram texts on stdin and
// prints, per diagram, either {ok, type, vertices: [{id, text}], edges: [{start, end}]}
// or {ok: false, error}. ESM only, so run as a child process of the jest tests.
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = [...db.getVertices().values()].map((v) => ({ id: v.id, text: v.text }));
    const edges = db.getEdges().map((e) => ({ start: e.start, end: e.end, text: e.text ?? '' }));
    const subgraphs = db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes }));
    results.push({ ok: true, type: parsed.diagramType, vertices, edges, subgraphs });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
