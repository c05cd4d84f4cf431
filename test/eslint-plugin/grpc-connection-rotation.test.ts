import rule from '../../eslint-plugin/rules/grpc-connection-rotation.js';
import { runRuleTests } from './rule-tester.js';

runRuleTests('grpc-connection-rotation', rule, {
  valid: [
    {
      name: 'a server with the helper',
      code: "import * as grpc from '@grpc/grpc-js';\nimport { serverConnectionAge } from '@quickwins/runtime/grpc';\nconst s = new grpc.Server({ ...serverConnectionAge() });",
    },
    {
      name: 'a server that sets its own age',
      code: "import { Server } from '@grpc/grpc-js';\nconst s = new Server({ 'grpc.max_connection_age_ms': 60000 });",
    },
    {
      name: 'a client made once per process',
      code: "import { credentials } from '@grpc/grpc-js';\nimport { UsersClient } from './users_grpc_pb';\nexport const users = new UsersClient('u:1', credentials.createInsecure());",
    },
    {
      name: 'an AWS client made per call',
      code: "import { credentials } from '@grpc/grpc-js';\nimport { S3Client } from '@aws-sdk/client-s3';\nexport function s3() { return new S3Client({}); }",
    },
    { name: 'no grpc in the file', code: 'class Server {}\nexport function f() { return new Server(); }' },
    {
      name: 'checkClientsPerCall off',
      code: "import { credentials } from '@grpc/grpc-js';\nimport { UsersClient } from './users_grpc_pb';\nexport function f() { return new UsersClient('u:1', credentials.createInsecure()); }",
      options: [{ checkClientsPerCall: false }],
    },
  ],
  invalid: [
    {
      name: 'a server without options, CommonJS',
      code: "const grpc = require('@grpc/grpc-js');\nconst server = new grpc.Server();\n",
      errors: [{ messageId: 'serverWithoutAge', line: 2 }],
      output:
        "const grpc = require('@grpc/grpc-js');\nconst { serverConnectionAge } = require('@quickwins/runtime/grpc');\nconst server = new grpc.Server({ ...serverConnectionAge() });\n",
    },
    {
      name: 'a named Server with options, importFrom',
      code: "import { Server } from '@grpc/grpc-js';\nexport const server = new Server({ 'grpc.keepalive_time_ms': 1 });\n",
      options: [{ importFrom: '@acme/grpc' }],
      errors: [{ messageId: 'serverWithoutAge' }],
      output:
        "import { Server } from '@grpc/grpc-js';\nimport { serverConnectionAge } from '@acme/grpc';\nexport const server = new Server({ ...serverConnectionAge(), 'grpc.keepalive_time_ms': 1 });\n",
    },
    {
      name: 'a loadPackageDefinition client made per request',
      code: "import * as grpc from '@grpc/grpc-js';\nconst pkg = grpc.loadPackageDefinition({}).users as any;\nexport const handler = async () => {\n  const c = new pkg.Users('u:1', grpc.credentials.createInsecure());\n  return c;\n};\n",
      errors: [
        { messageId: 'clientPerCall', line: 4, data: { client: 'pkg.Users', from: "'@quickwins/runtime/grpc'" } },
      ],
    },
    {
      name: 'a one-shot client made per call: left by the codemod (nothing to rotate), still a client per call',
      code: "import * as grpc from '@grpc/grpc-js';\nconst pkg = grpc.loadPackageDefinition({}).users as any;\nexport async function getUser(id: string) {\n  const c = new pkg.Users('u:1', grpc.credentials.createInsecure());\n  return c.getUser({ id });\n}\n",
      errors: [
        { messageId: 'clientPerCall', line: 4, data: { client: 'pkg.Users', from: "'@quickwins/runtime/grpc'" } },
      ],
    },
    {
      name: 'in JSX files too',
      code: "import * as grpc from '@grpc/grpc-js';\nexport const s = new grpc.Server();\nexport const el = <div />;\n",
      languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
      filename: 'a.tsx',
      errors: [{ messageId: 'serverWithoutAge' }],
      output:
        "import * as grpc from '@grpc/grpc-js';\nimport { serverConnectionAge } from '@quickwins/runtime/grpc';\nexport const s = new grpc.Server({ ...serverConnectionAge() });\nexport const el = <div />;\n",
    },
  ],
});
