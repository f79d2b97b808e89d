/**
 * The name rules of Kubernetes (apimachinery's validation helpers), git and
 * Cilium that a value must meet before it lands in a rendered object. Each
 * check returns why a value is refused, in a short phrase, or undefined when
 * the value is accepted. The inventory reports them with the field and a fix;
 * the conformance tests check rendered objects with the same rules.
 */
import { parseIpv4 } from './ipv4';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A Cilium cluster name (the agent refuses others): DNS-1123 label characters, at most 32. */
const CLUSTER_NAME = /^([a-z0-9][-a-z0-9]*)?[a-z0-9]$/;
export const CLUSTER_NAME_MAX_LENGTH = 32;

/** A namespace, a label-like name: lower-case letters, digits and '-', starting and ending alphanumeric, ≤ 63. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long, more than 63`;
  return DNS1123_LABEL.test(value) ? undefined : "may hold only lower-case letters, digits and '-', and must start and end with a letter or digit";
}

/** Most object names: DNS-1123 labels joined by '.', ≤ 253. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `is ${value.length} characters long, more than 253`;
  return DNS1123_SUBDOMAIN.test(value) ? undefined : "may hold only lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit";
}

/** A Service name: it becomes a DNS label and an environment variable prefix, so it starts with a letter; ≤ 63. */
export function dns1035LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long, more than 63`;
  if (/^[0-9]/.test(value)) return 'starts with a digit; a Service name must start with a letter';
  return DNS1035_LABEL.test(value) ? undefined : "may hold only lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
}

/** A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain, the name ≤ 63. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "has more than one '/'";
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    const problem = dns1123SubdomainProblem(prefix);
    if (problem) return `prefix '${prefix}' ${problem}`;
  }
  if (name.length === 0) return 'has an empty name part';
  if (name.length > 63) return `has a name part of ${name.length} characters, more than 63`;
  return QUALIFIED_NAME_PART.test(name) ? undefined : "may hold only letters, digits, '-', '_' and '.' (no spaces), starting and ending with a letter or digit";
}

/** A label value: empty, or ≤ 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long, more than 63`;
  return LABEL_VALUE.test(value) ? undefined : "may hold only letters, digits, '-', '_' and '.' (no spaces), starting and ending with a letter or digit";
}

/** A container port name (IANA_SVC_NAME): ≤ 15 lower-case letters, digits and '-', at least one letter, no '--'. */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return `is ${name.length} characters long, more than 15`;
  if (!IANA_SVC_NAME.test(name)) return "may hold only lower-case letters, digits and '-', starting and ending with a letter or digit";
  if (!/[a-z]/.test(name)) return 'has no letter';
  if (name.includes('--')) return "holds '--'";
  return undefined;
}

/** A Cilium cluster name. */
export function clusterNameProblem(name: string): string | undefined {
  if (name.length > CLUSTER_NAME_MAX_LENGTH) return `is ${name.length} characters long, more than ${CLUSTER_NAME_MAX_LENGTH}`;
  return CLUSTER_NAME.test(name) ? undefined : "may hold only lower-case letters, digits and '-', starting and ending with a letter or digit";
}

/** A host to connect to: an IPv4 address, or a DNS name (a value of digits and dots only must be a valid address). */
export function hostProblem(host: string): string | undefined {
  if (/^[0-9.]+$/.test(host)) return parseIpv4(host) === undefined ? 'is not a valid IPv4 address' : undefined;
  return dns1123SubdomainProblem(host.toLowerCase()) === undefined ? undefined : 'is neither an IPv4 address nor a DNS name';
}

/** A git branch name (git check-ref-format --branch). */
export function gitBranchProblem(branch: string): string | undefined {
  if (branch === '' || branch === '@') return 'is not a branch name';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(branch)) return "holds a space, a control character or one of ~ ^ : ? * [ \\";
  if (branch.startsWith('-') || branch.startsWith('/') || branch.endsWith('/') || branch.endsWith('.')) return "starts with '-' or '/', or ends with '/' or '.'";
  if (branch.includes('..') || branch.includes('//') || branch.includes('@{')) return "holds '..', '//' or '@{'";
  if (branch.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return "has a part starting with '.' or ending with '.lock'";
  return undefined;
}

/** git's scp-like address: [user@]host:path (no scheme). */
const SCP_LIKE = /^(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/**
 * A repository URL Flux and Argo CD both clone: Flux's GitRepository takes
 * http, https and ssh URLs only (its CRD's pattern ^(http|https|ssh)://), and
 * this product refuses plain http, which would carry the manifests unprotected.
 */
export function repositoryUrlProblem(url: string): string | undefined {
  if (/^(https|ssh):\/\/[^/\s]+/.test(url) && !/\s/.test(url)) return undefined;
  if (SCP_LIKE.test(url)) return "is git's scp-like form, which Flux's GitRepository refuses (it takes https:// and ssh:// URLs)";
  if (url.startsWith('http://')) return 'is plain http: the clusters would fetch their manifests unprotected';
  return 'is not an https:// or ssh:// URL';
}

/** The ssh:// URL of an scp-like address (git@github.com:org/repo.git -> ssh://git@github.com/org/repo.git), or undefined. */
export function sshUrlOf(url: string): string | undefined {
  const match = SCP_LIKE.exec(url);
  if (!match) return undefined;
  const [, user, host, path] = match;
  return `ssh://${user ? `${user}@` : ''}${host}/${path.replace(/^\/+/, '')}`;
}
