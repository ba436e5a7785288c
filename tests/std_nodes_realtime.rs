//! `openai.agents.RealtimeAgent` and `nodetool.input.RealtimeAudioInput` against a stand-in
//! of OpenAI's Realtime API (`scripted_llm`'s `/v1/realtime`, the wire format over a real
//! WebSocket): a recording, typed text, and chunks a client streams into a running job.

mod node_harness;
mod scripted_llm;

use base64::Engine as _;
use nodetool::prelude::*;
use nodetool::workflows::{InputStreams, RunError};
use scripted_llm::realtime::reply_pcm;
use scripted_llm::{Reply, Seen};
use serde_json::{json, Map, Value};
use std::sync::Arc;

const KEY: &str = "sk-realtime-test";

async fn stand_in() -> (String, Arc<scripted_llm::Scripted>) {
    scripted_llm::serve(|_: Seen| async { Reply::text("unused") }).await
}

fn context(base: &str, streams: Option<InputStreams>) -> ProcessingContext {
    let env = nodetool::config::Environment::builder()
        .process_env([
            ("OPENAI_API_KEY".to_owned(), KEY.to_owned()),
            ("OPENAI_BASE_URL".to_owned(), base.to_owned()),
        ])
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .unwrap();
    let builder = ProcessingContext::builder().environment(Arc::new(env));
    match streams {
        Some(streams) => builder.input_streams(streams),
        None => builder,
    }
    .build()
}

/// 0.1 s of a 48 kHz stereo WAV as an audio reference.
fn recording() -> Value {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut file = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut file, spec).unwrap();
    for i in 0..4800i32 {
        let s = ((i % 100) * 300) as i16;
        writer.write_sample(s).unwrap();
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
    let uri = format!(
        "data:audio/wav;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(file.into_inner())
    );
    json!({"type": "audio", "uri": uri})
}

/// RealtimeAudioInput `audio` → RealtimeAgent (with `agent` data) → outputs `text`,
/// `audio` and `chunks`.
fn voice_graph(input: Value, agent: Value) -> Value {
    let output =
        |id: &str| json!({"id": id, "type": "nodetool.output.Output", "data": {"name": id}});
    let edge = |id: &str, s: &str, sh: &str, t: &str, th: &str| json!({"id": id, "source": s, "sourceHandle": sh, "target": t, "targetHandle": th});
    json!({
        "nodes": [
            {"id": "in", "type": "nodetool.input.RealtimeAudioInput", "data": input},
            {"id": "agent", "type": "openai.agents.RealtimeAgent", "data": agent},
            output("text"), output("audio"), output("chunks"),
        ],
        "edges": [
            edge("e0", "in", "chunk", "agent", "chunk"),
            edge("e1", "agent", "text", "text", "value"),
            edge("e2", "agent", "audio", "audio", "value"),
            edge("e3", "agent", "chunk", "chunks", "value"),
        ]
    })
}

async fn run(graph: Value, ctx: &ProcessingContext) -> Result<Map<String, Value>, String> {
    nodetool_std_nodes::link();
    let graph = Graph::from_json_str(&graph.to_string()).map_err(|e| e.to_string())?;
    let runner = WorkflowRunner::from_graph(&graph).map_err(|e| e.to_string())?;
    let run = runner.run(ctx, Map::new());
    match tokio::time::timeout(std::time::Duration::from_secs(30), run).await {
        Err(_) => Err("the run did not end within 30 s".to_owned()),
        Ok(Ok(result)) => Ok(result.outputs),
        Ok(Err(RunError::NodeFailed { error, .. })) => Err(error.to_string()),
        Ok(Err(other)) => Err(other.to_string()),
    }
}

fn decode_data_uri(reference: &Value) -> Vec<u8> {
    let uri = reference["uri"].as_str().unwrap();
    let (_, data) = uri.split_once(";base64,").unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap()
}

#[tokio::test]
async fn a_recording_is_sent_as_24k_pcm16_and_answered_in_text_and_audio() {
    let (base, stand_in) = stand_in().await;
    let graph = voice_graph(json!({"name": "audio", "value": recording()}), json!({}));
    let outputs = run(graph, &context(&base, None)).await.unwrap();

    // 4,800 frames at 48 kHz are 2,400 samples at 24 kHz: 4,800 bytes.
    let text = "Scripted realtime reply: heard 4800 bytes of audio";
    assert_eq!(outputs["text"], json!([text]));
    let audio = &outputs["audio"][0];
    let wav = hound::WavReader::new(std::io::Cursor::new(decode_data_uri(audio))).unwrap();
    assert_eq!((wav.spec().sample_rate, wav.spec().channels), (24_000, 1));
    let samples: Vec<u8> = wav
        .into_samples::<i16>()
        .flat_map(|s| s.unwrap().to_le_bytes())
        .collect();
    assert_eq!(samples, reply_pcm(), "the reply's audio, whole");

    let chunks = outputs["chunks"].as_array().unwrap();
    let transcript: String = chunks
        .iter()
        .filter(|c| c["content_type"] == "text")
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert_eq!(transcript, text, "the transcript streamed in deltas");
    let audio_chunks: Vec<&Value> = chunks
        .iter()
        .filter(|c| c["content_type"] == "audio")
        .collect();
    assert_eq!(
        audio_chunks.len(),
        2,
        "one delta, then the end: {audio_chunks:?}"
    );
    assert_eq!(audio_chunks[0]["content_metadata"]["sample_rate"], 24_000);
    assert_eq!(audio_chunks[1]["done"], true);

    let sessions = stand_in.realtime();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(session.model, "gpt-4o-mini-realtime-preview");
    assert_eq!(session.authorization, format!("Bearer {KEY}"));
    assert_eq!(session.beta, "realtime=v1");
    let update = &session.of("session.update")[0]["session"];
    assert!(update["instructions"]
        .as_str()
        .unwrap()
        .contains("You are an AI assistant interacting in real-time"));
    assert_eq!(
        (&update["voice"], &update["speed"], &update["temperature"]),
        (&json!("alloy"), &json!(1.0), &json!(0.8))
    );
    assert_eq!(update["input_audio_format"], "pcm16");
    assert_eq!(update["turn_detection"]["type"], "semantic_vad");
    assert_eq!(session.of("input_audio_buffer.append").len(), 1);
    assert_eq!(session.of("response.create").len(), 1);
}

#[tokio::test]
async fn a_chunk_set_on_the_agent_is_sent_as_a_user_message() {
    let (base, stand_in) = stand_in().await;
    let graph = json!({
        "nodes": [
            {"id": "agent", "type": "openai.agents.RealtimeAgent", "data": {
                "chunk": {"type": "chunk", "content": "What is two plus two?"},
                "voice": "none", "model": "gpt-4o-realtime-preview", "speed": 1.25}},
            {"id": "text", "type": "nodetool.output.Output", "data": {"name": "text"}}
        ],
        "edges": [{"id": "e", "source": "agent", "sourceHandle": "text", "target": "text", "targetHandle": "value"}]
    });
    let outputs = run(graph, &context(&base, None)).await.unwrap();
    assert_eq!(
        outputs["text"],
        json!(["Scripted realtime reply to: What is two plus two?"])
    );
    let session = &stand_in.realtime()[0];
    assert_eq!(session.model, "gpt-4o-realtime-preview");
    let update = &session.of("session.update")[0]["session"];
    assert!(
        update.get("voice").is_none(),
        "voice `none` leaves the server's default"
    );
    assert_eq!(update["speed"], 1.25);
    let item = &session.of("conversation.item.create")[0]["item"];
    assert_eq!(
        item,
        &json!({"type": "message", "role": "user",
                "content": [{"type": "input_text", "text": "What is two plus two?"}]})
    );
}

#[tokio::test]
async fn chunks_streamed_into_a_running_job_reach_the_agent_in_order() {
    let (base, stand_in) = stand_in().await;
    nodetool_std_nodes::link();
    let graph = voice_graph(json!({"name": "mic"}), json!({}));
    let graph = Graph::from_json_str(&graph.to_string()).unwrap();
    let runner = WorkflowRunner::from_graph(&graph).unwrap();
    let streams = InputStreams::for_plan(runner.plan());
    let ctx = context(&base, Some(streams.clone()));
    let run = tokio::spawn(async move { runner.run(&ctx, Map::new()).await });

    let text =
        |content: &str, done: bool| json!({"type": "chunk", "content": content, "done": done});
    streams
        .push("mic", Some("chunk"), text("Hello, ", false))
        .unwrap();
    streams.push("mic", None, text("world", true)).unwrap();
    let pcm = base64::engine::general_purpose::STANDARD.encode([0u8; 960]);
    let audio = json!({"type": "chunk", "content_type": "audio", "content": pcm, "done": false});
    streams.push("mic", None, audio).unwrap();
    streams
        .push(
            "mic",
            None,
            json!({"type": "chunk", "content_type": "audio", "done": true}),
        )
        .unwrap();
    streams.finish("mic", Some("chunk")).unwrap();

    let result = tokio::time::timeout(std::time::Duration::from_secs(30), run)
        .await
        .expect("the run ends once its input has ended and the responses are done")
        .unwrap()
        .unwrap();
    assert_eq!(
        result.values("text"),
        [
            json!("Scripted realtime reply to: Hello, world"),
            json!("Scripted realtime reply: heard 960 bytes of audio")
        ]
    );
    let session = &stand_in.realtime()[0];
    assert_eq!(session.of("response.create").len(), 2);
    assert!(
        streams.push("mic", None, text("late", true)).is_err(),
        "the stream has ended"
    );
}

#[tokio::test]
async fn bad_streamed_values_and_missing_settings_are_named() {
    let (base, _stand_in) = stand_in().await;
    nodetool_std_nodes::link();
    let graph = voice_graph(json!({"name": "mic"}), json!({}));
    let parsed = Graph::from_json_str(&graph.to_string()).unwrap();
    let runner = WorkflowRunner::from_graph(&parsed).unwrap();
    let streams = InputStreams::for_plan(runner.plan());
    streams.push("mic", None, json!(42)).unwrap();
    let error = run(graph.clone(), &context(&base, Some(streams)))
        .await
        .unwrap_err();
    assert!(
        error.contains("input `mic`: streamed value 0 is not a chunk"),
        "{error}"
    );

    let no_key = node_harness::ctx_with_settings(&[("OPENAI_BASE_URL", &base)]);
    let graph = voice_graph(json!({"name": "audio", "value": recording()}), json!({}));
    let error = run(graph, &no_key).await.unwrap_err();
    assert!(error.contains("OPENAI_API_KEY is not set"), "{error}");

    let not_wav = json!({"type": "audio", "uri": "data:audio/mpeg;base64,SUQzBAAAAAAA"});
    let graph = voice_graph(json!({"name": "audio", "value": not_wav}), json!({}));
    let error = run(graph, &context(&base, None)).await.unwrap_err();
    assert!(
        error.contains("value: the audio must be a WAV file"),
        "{error}"
    );
}
