/**
 * A YAML syntax error is one problem, at the line of its cause (where the
 * quote or bracket opened, the line without ': ', the mis-indented line), with
 * the file, the line and a fix for that kind of mistake; nothing after a
 * mistake that breaks the structure is reported as if it were one too.
 */
import { formatProblem } from '../../lib/report/problems';
import { exampleInventory, loadFiles, withFile } from '../support/inventory-fixture';
import { expectProblem, expectProblems, lineOf } from './expect-problem';

const example = exampleInventory();

interface SyntaxCase {
  readonly what: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
  /** The line the problem must point at: the first line containing this text (or this occurrence of it). */
  readonly cause: string;
  readonly occurrence?: number;
  readonly message: RegExp;
  readonly fix: RegExp;
}

const CASES: readonly SyntaxCase[] = [
  { what: 'an unclosed double quote (noticed at the end of the file)', file: 'k3scl1.yaml', from: 'name: k3scl1\n', to: 'name: "k3scl1\n', cause: 'name: "k3scl1', message: /the double quote \(["]\) opened on this line is never closed/, fix: /end the quoted text with " on this line/ },
  { what: 'an unclosed single quote in a list item', file: 'k3scl1.yaml', from: '    ip: 172.17.11.11', to: "    ip: '172.17.11.11", cause: "ip: '172", message: /the single quote \(['"]*\) opened on this line is never closed|the single quote/, fix: /end the quoted text with ' on this line/ },
  { what: 'a double quote closed only by an escaped quote', file: 'services.yaml', from: 'image: nginx:1', to: 'image: "nginx:1\\"', cause: 'image: "nginx', message: /double quote .* never closed/, fix: /end the quoted text/ },
  { what: 'an unclosed flow sequence', file: 'services.yaml', from: 'clusters: [k3scl1]', to: 'clusters: [k3scl1', cause: 'clusters: [k3scl1', message: /the '\[' opened on this line is never closed with '\]'/, fix: /end the list with '\]' on this line/ },
  { what: 'an unclosed flow sequence on the last line', file: 'k3scl1.yaml', from: '  nodePort: 32379\n', to: '  nodePort: 32379\nhelmValues: {hubble: {enabled: [true}}\n', cause: 'helmValues:', message: /the '\[' opened on this line is never closed/, fix: /'\]'/ },
  { what: 'an unclosed flow mapping', file: 'k3scl1.yaml', from: 'id: 1\n', to: 'id: 1\nhelmValues: {hubble: {enabled: true}\n', cause: 'helmValues:', message: /the '\{' opened on this line is never closed with '\}'/, fix: /end the mapping with '\}' on this line/ },
  { what: 'a line indented further than its siblings', file: 'k3scl1.yaml', from: '    ip: 172.17.11.11', to: '      ip: 172.17.11.11', cause: '      ip:', message: /indented further than the keys beside it/, fix: /indent it with spaces to the same column/ },
  { what: 'a line indented less than its siblings (one problem, not two)', file: 'k3scl1.yaml', from: '    ip: 172.17.11.11', to: '   ip: 172.17.11.11', cause: '   ip:', message: /indented differently from the lines beside it/, fix: /indent it with spaces/ },
  { what: 'an indented top-level key', file: 'k3scl1.yaml', from: 'id: 1', to: ' id: 1', cause: ' id: 1', message: /indented further/, fix: /indent it with spaces/ },
  { what: 'a mis-indented key in the mesh file', file: 'mesh.yaml', from: '  namespace: kube-system', to: '    namespace: kube-system', cause: '    namespace: kube-system', message: /indented differently/, fix: /indent it with spaces/ },
  { what: 'a tab as indentation', file: 'k3scl1.yaml', from: '    ip: 172.17.11.11', to: '\tip: 172.17.11.11', cause: '\tip:', message: /a tab indents this line/, fix: /indent with spaces only/ },
  { what: 'a tab among the spaces of an indentation', file: 'services.yaml', from: '    namespace: test', to: '  \t  namespace: test', cause: '\t  namespace', message: /a tab indents this line/, fix: /indent with spaces only/ },
  { what: 'a duplicate key', file: 'k3scl1.yaml', from: 'id: 1\n', to: 'id: 1\nid: 4\n', cause: 'id: 4', message: /the key 'id' appears twice in its mapping \(first at line 4\)/, fix: /keep one 'id': delete this line or line 4/ },
  { what: 'a duplicate key in a list item', file: 'k3scl1.yaml', from: '    role: server', to: '    role: server\n    ip: 172.17.11.12', cause: 'ip: 172.17.11.12', message: /the key 'ip' appears twice/, fix: /keep one 'ip'/ },
  { what: "a key without ': '", file: 'k3scl1.yaml', from: 'id: 1', to: 'id 1', cause: 'id 1', message: /has no ': ' after its key/, fix: /a colon and a space/ },
  { what: "a key without the space after ':'", file: 'mesh.yaml', from: 'name: example', to: 'name:example', cause: 'name:example', message: /has no ': ' after its key/, fix: /a colon and a space/ },
  { what: 'a list item among mapping keys', file: 'k3scl1.yaml', from: 'id: 1\n', to: 'id: 1\n- 2\n', cause: '- 2', message: /a list item \('- '\) stands among the keys of a mapping/, fix: /indent it under the key/ },
  { what: "a value holding ': '", file: 'k3scl1.yaml', from: 'name: k3scl1', to: 'name: k3s: cl1', cause: 'name: k3s: cl1', message: /a value holds ': '/, fix: /put the value in quotes/ },
];

describe('a YAML syntax error is one problem at the line of its cause, with a fix', () => {
  it.each(CASES)('$what', ({ file, from, to, cause, occurrence, message, fix }) => {
    expect(example[file]).toContain(from);
    const text = example[file].replace(from, to);
    const result = loadFiles(withFile(example, file, text));
    const problem = expectProblem(result, { file: `clusters/${file}`, field: '', line: lineOf(text, cause, occurrence), message: new RegExp(`^is not valid YAML: .*(${message.source})`), fix });
    expect(result.problems.filter((p) => p.file === `clusters/${file}`)).toHaveLength(1);
    expect(formatProblem(problem)).toMatch(new RegExp(`^error: clusters/${file.replace('.', '\\.')}:\\d+ is not valid YAML: .+\\. Fix: \\S`));
  });

  it('two duplicate keys in one file are both reported; nothing after a structural mistake is', () => {
    const two = example['k3scl1.yaml'].replace('id: 1\n', 'id: 1\nid: 4\n').replace('    role: server', '    role: server\n    ip: 172.17.11.12');
    expectProblems(loadFiles(withFile(example, 'k3scl1.yaml', two)), [
      { file: 'clusters/k3scl1.yaml', field: '', line: lineOf(two, 'id: 4'), message: /the key 'id' appears twice/, fix: /keep one 'id'/ },
      { file: 'clusters/k3scl1.yaml', field: '', line: lineOf(two, 'ip: 172.17.11.12'), message: /the key 'ip' appears twice/, fix: /keep one 'ip'/ },
    ]);
    const derailed = example['k3scl1.yaml'].replace('name: k3scl1\n', 'name: "k3scl1\n').replace('    role: server', '    role: server\n    ip: 172.17.11.12');
    expectProblem(loadFiles(withFile(example, 'k3scl1.yaml', derailed)), { file: 'clusters/k3scl1.yaml', field: '', line: lineOf(derailed, 'name: "k3scl1'), message: /double quote/, fix: /end the quoted text/ });
  });

  it('two YAML documents in one file are refused at the second', () => {
    const text = `${example['k3scl1.yaml']}---\n${example['k3scl2.yaml']}`;
    expectProblem(loadFiles(withFile(example, 'k3scl1.yaml', text)), { file: 'clusters/k3scl1.yaml', field: '', line: lineOf(text, '---'), message: /holds more than one YAML document/, fix: /keep one document per file/ });
  });

  it('values YAML tags make into binary data, dates, sets or ordered maps are refused, each at its field', () => {
    const policies = example['policies.yaml'].replace('      labels:\n        name: x-wing', '      labels:\n        !!binary  eC13aW5n');
    const cluster = example['k3scl1.yaml'].replace('id: 1\n', 'id: 1\nhelmValues:\n  since: !!timestamp 2024-01-01\n  nodes: !!set {a: null}\n  order: !!omap [a: 1]\n');
    expectProblems(loadFiles(withFile(withFile(example, 'policies.yaml', policies), 'k3scl1.yaml', cluster)), [
      { file: 'clusters/policies.yaml', field: 'policies[0].from.labels', line: lineOf(policies, '!!binary'), message: /^is binary data \(YAML tag !!binary\), not plain data$/, fix: /remove the tag/ },
      { file: 'clusters/k3scl1.yaml', field: 'helmValues.since', line: lineOf(cluster, 'since:'), message: /^is a date \(YAML tag !!timestamp\)/, fix: /remove the tag/ },
      { file: 'clusters/k3scl1.yaml', field: 'helmValues.nodes', line: lineOf(cluster, 'nodes: !!set'), message: /^is a set \(YAML tag !!set\)/, fix: /remove the tag/ },
      { file: 'clusters/k3scl1.yaml', field: 'helmValues.order', line: lineOf(cluster, 'order:'), message: /^is an ordered map/, fix: /remove the tag/ },
    ]);
  });

  it('malformed YAML in two files is reported for both', () => {
    const one = example['k3scl1.yaml'].replace('id: 1\n', 'id: 1\nid: 4\n');
    const two = example['services.yaml'].replace('    namespace: test', '\tnamespace: test');
    expectProblems(loadFiles(withFile(withFile(example, 'k3scl1.yaml', one), 'services.yaml', two)), [
      { file: 'clusters/k3scl1.yaml', field: '', line: lineOf(one, 'id: 4'), message: /the key 'id' appears twice/, fix: /keep one 'id'/ },
      { file: 'clusters/services.yaml', field: '', line: lineOf(two, '\tnamespace'), message: /a tab indents this line/, fix: /indent with spaces only/ },
    ]);
  });
});
