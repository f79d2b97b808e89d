/**
 * What `ca show`, synth and the loader need to know about the mesh CA's
 * certificate, read from the public certificate by lib/secrets/mesh-ca/certificate.ts;
 * no key material.
 */
export interface CaCertificateFacts {
  /** Distinguished name as OpenSSL prints it, e.g. "CN=Cilium Mesh CA example\nO=k3s-cilium-mesh". */
  readonly subject: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`). */
  readonly fingerprintSha256: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints CA:true. */
  readonly isCa: boolean;
  /** keyUsage allows signing certificates (keyCertSign); true when the extension is absent (RFC 5280 leaves it open). */
  readonly canSignCertificates: boolean;
  /** Issuer equals subject and the signature verifies with the certificate's own key. */
  readonly selfSigned: boolean;
}
