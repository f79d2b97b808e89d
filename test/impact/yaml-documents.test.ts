/**
 * The YAML reader of `mesh impact` (js-yaml, and `yaml` where js-yaml does not take a file) gives
 * what `yaml` gives on files that need the second reader too: aliases, nesting deeper than js-yaml
 * goes, YAML that is not valid; and a file whose aliases would expand without end ends in an error.
 * Rendered output and chart output: test/conformance/yaml-data.test.ts.
 */
import { parseAllDocuments } from 'yaml';
import { yamlDocuments } from '../../lib/impact/yaml-documents';

const byYaml = (text: string) => parseAllDocuments(text).map((doc) => doc.toJS());

describe('yamlDocuments', () => {
  it.each([
    ['anchors and aliases', 'base: &base {image: nginx, replicas: 2}\ncopy: *base\nlist: [&one 1, *one]\n---\nagain: plain\n'],
    ['a document nested 150 deep', `${'['.repeat(150)}1${']'.repeat(150)}\n`],
    ['several documents, empty ones too', 'a: 1\n---\n---\n# only a comment\n---\nb: [1, two, "3"]\n'],
    ['the YAML 1.2 core scalars', 'a: 012\nb: 0o17\nc: 0x1F\nd: yes\ne: on\nf: 2024-01-01\ng: 1e3\nh: .inf\ni: ~\nj: True\nk: "1_000"\nl: 1_000\n'],
  ])('reads %s as yaml does', (_what, text) => {
    expect(yamlDocuments(text, 'f.yaml')).toEqual(byYaml(text));
  });

  it('ends with an error naming the file for aliases that would expand without end', () => {
    const levels = Array.from({ length: 12 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`);
    const text = ['l0: &l0 [x, x, x, x, x, x, x, x, x]', ...levels].join('\n');
    expect(() => yamlDocuments(text, 'dist/c1/03-mesh/bomb.yaml')).toThrow(/^dist\/c1\/03-mesh\/bomb\.yaml: not valid YAML: .*alias/i);
  });

  it('words what is not valid YAML as yaml does, naming the file', () => {
    const text = 'a: [1, 2\nb: 3\n';
    const message = parseAllDocuments(text)[0].errors[0].message;
    expect(() => yamlDocuments(text, 'f.yaml')).toThrow(`f.yaml: not valid YAML: ${message}`);
    expect(() => yamlDocuments('a: 1\na: 2\n', 'f.yaml')).toThrow(/^f\.yaml: not valid YAML: Map keys must be unique/);
  });
});
