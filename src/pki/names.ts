// The subject names and alternative names Portcullis puts in certificates, independent of the
// library that encodes them (node-forge for the dev and test PKI, @peculiar/asn1-x509 for
// interception leaves).

/** At least one part must be given: RFC 5280 §4.1.2.6 leaves an empty subject to CAs that mark the SAN critical. */
export interface NameParts {
  readonly commonName?: string;
  readonly organization?: string;
}

export type AltName = { readonly dns: string } | { readonly ip: string } | { readonly uri: string };

export interface ValidityPeriod {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
} as const;

/** `O` then `CN`, one attribute per RDN: the order both encoders write. */
export function nameAttributes(parts: NameParts): Array<{ readonly type: string; readonly value: string }> {
  const attributes = [
    ...(parts.organization === undefined ? [] : [{ type: OID.organization, value: parts.organization }]),
    ...(parts.commonName === undefined ? [] : [{ type: OID.commonName, value: parts.commonName }]),
  ];
  if (attributes.length === 0) throw new Error('a subject name needs a common name or an organization');
  return attributes;
}
