/**
 * Test certificates for the metrics server's mutual TLS, made with the `openssl` command in a
 * temporary folder: a CA, a server certificate for `localhost`, `127.0.0.1` and `::1`, a client
 * certificate signed by the CA, a client certificate of a foreign CA, and an X.509 v1 client
 * certificate (no extensions) signed by the right CA.
 *
 * @module
 */

/** Paths of the generated PEM files. */
export interface TestCertificates {
  /** Folder holding every file; `remove()` deletes it. */
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly foreignClientCert: string;
  readonly foreignClientKey: string;
  readonly v1ClientCert: string;
  readonly v1ClientKey: string;
  remove(): Promise<void>;
}

/**
 * Generates the certificates, valid for one day, with P-256 keys.
 *
 * @throws {Error} With openssl's stderr when a command fails.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "portsyncd-certs-" });
  const path = (name: string) => `${dir}/${name}`;
  try {
    await Deno.writeTextFile(
      path("server.ext"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n",
    );
    await Deno.writeTextFile(path("client.ext"), "extendedKeyUsage=clientAuth\n");
    await makeCa(path("ca"), "portsyncd test CA");
    await makeCa(path("foreign-ca"), "foreign test CA");
    await makeLeaf(path("server"), "localhost", path("ca"), path("server.ext"));
    await makeLeaf(path("client"), "metrics-client", path("ca"), path("client.ext"));
    await makeLeaf(
      path("foreign-client"),
      "foreign-client",
      path("foreign-ca"),
      path("client.ext"),
    );
    await makeLeaf(path("v1-client"), "v1-client", path("ca"), undefined);
    const text = await openssl(["x509", "-in", path("v1-client.pem"), "-noout", "-text"]);
    if (!/Version: 1 \(0x0\)/.test(text)) {
      throw new Error("Make X.509 v1 test certificate failed: openssl wrote another version");
    }
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    dir,
    ca: path("ca.pem"),
    serverCert: path("server.pem"),
    serverKey: path("server.key"),
    clientCert: path("client.pem"),
    clientKey: path("client.key"),
    foreignClientCert: path("foreign-client.pem"),
    foreignClientKey: path("foreign-client.key"),
    v1ClientCert: path("v1-client.pem"),
    v1ClientKey: path("v1-client.key"),
    remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

const KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(base: string, name: string): Promise<void> {
  await openssl([
    "req",
    "-x509",
    ...KEY_ARGS,
    "-keyout",
    `${base}.key`,
    "-out",
    `${base}.pem`,
    "-subj",
    `/CN=${name}`,
    "-days",
    "1",
  ]);
}

/** Makes a key and a certificate signed by `caBase`; without `extFile` openssl writes v1. */
async function makeLeaf(
  base: string,
  commonName: string,
  caBase: string,
  extFile: string | undefined,
): Promise<void> {
  await openssl([
    "req",
    "-new",
    ...KEY_ARGS,
    "-keyout",
    `${base}.key`,
    "-out",
    `${base}.csr`,
    "-subj",
    `/CN=${commonName}`,
  ]);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${base}.csr`,
    "-CA",
    `${caBase}.pem`,
    "-CAkey",
    `${caBase}.key`,
    "-set_serial",
    String(crypto.getRandomValues(new Uint32Array(1))[0]),
    "-days",
    "1",
    "-out",
    `${base}.pem`,
    ...(extFile === undefined ? [] : ["-extfile", extFile]),
  ]);
}

async function openssl(args: string[]): Promise<string> {
  const output = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `Run openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}
