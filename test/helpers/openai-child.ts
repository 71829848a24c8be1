// Runs the official `openai` SDK in a child process configured only through the environment,
// as an agent would be: HTTPS_PROXY (with NODE_USE_ENV_PROXY=1) and NODE_EXTRA_CA_CERTS.
// Prints one JSON line with what the SDK returned.
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env['OPENAI_BASE_URL'], apiKey: 'sk-agent-placeholder', maxRetries: 0 });
const stream = process.env['STREAM'] === '1';
if (stream) {
  const chunks: string[] = [];
  const response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
  for await (const chunk of response) chunks.push(chunk.choices[0]?.delta?.content ?? '');
  console.log(JSON.stringify({ text: chunks.join(''), chunks: chunks.length }));
} else {
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  console.log(JSON.stringify({ text: completion.choices[0]?.message.content, usage: completion.usage }));
}
