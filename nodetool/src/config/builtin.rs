//! Every setting NodeTool documents, declared with `register_setting!` (the groups follow
//! NodeTool's `settings.py` and `environment.py`: providers, database, storage, vector
//! database, services, system tools, deployment, logging, chat).

use crate::register_setting;

register_setting! {
    package: "nodetool",
    env_var: "FONT_PATH",
    group: "Folders",
    description: "Location of the font folder used by image nodes like RenderText (TrueType or OpenType fonts); the system fonts when unset.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "COMFY_FOLDER",
    group: "Folders",
    description: "Location of a ComfyUI installation, to use its models and workflows without duplicating files.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "CHROMA_PATH",
    group: "Folders",
    description: "Location of the ChromaDB folder for vector storage (semantic search, RAG).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "COMFYUI_ADDR",
    group: "ComfyUI",
    description: "ComfyUI server address for API/WebSocket access (e.g. 127.0.0.1:8188).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "VLLM_BASE_URL",
    group: "vLLM",
    description: "Base URL of a vLLM OpenAI-compatible server (e.g. http://localhost:7777).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "OLLAMA_API_URL",
    group: "Ollama",
    description: "URL of the Ollama server (e.g. http://localhost:11434).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "OLLAMA_CONTEXT_LENGTH",
    group: "Ollama",
    description: "Context window (tokens) for Ollama models; the model's default when unset.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "LLAMA_CPP_CONTEXT_LENGTH",
    group: "LlamaCpp",
    description: "Context window (tokens) for llama.cpp models; 128000 when unset.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "LMSTUDIO_API_URL",
    group: "LMStudio",
    description: "Base URL of the LM Studio OpenAI-compatible server (e.g. http://localhost:1234).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODE_SUPABASE_URL",
    group: "NodeSupabase",
    description: "Supabase project URL used by user-provided nodes (separate from SUPABASE_URL).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODE_SUPABASE_SCHEMA",
    group: "NodeSupabase",
    description: "Schema for user/node Supabase tables (public when unset).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODE_SUPABASE_TABLE_PREFIX",
    group: "NodeSupabase",
    description: "Prefix for user/node Supabase tables, to avoid clashes with core tables.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "OPENAI_API_KEY",
    group: "OpenAI",
    description: "OpenAI API key (GPT models, DALL-E and other OpenAI services).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "OPENROUTER_API_KEY",
    group: "OpenRouter",
    description: "OpenRouter API key (many models behind one API).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "ANTHROPIC_API_KEY",
    group: "Anthropic",
    description: "Anthropic API key (Claude models).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "GEMINI_API_KEY",
    group: "Gemini",
    description: "Gemini API key (Google's Gemini models).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "HF_TOKEN",
    group: "HF",
    description: "Token for HuggingFace Inference Providers.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "HF_INFERENCE_URL",
    group: "HF",
    description: "Base URL of the Hugging Face inference API the huggingface.* nodes call (default https://router.huggingface.co/hf-inference; an Inference Endpoint, a proxy or a test server).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "REPLICATE_API_TOKEN",
    group: "Replicate",
    description: "Replicate API token.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "AIME_USER",
    group: "Aime",
    description: "Aime user credential.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "AIME_API_KEY",
    group: "Aime",
    description: "Aime API key.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "GOOGLE_MAIL_USER",
    group: "Google",
    description: "Google mail user for email features.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "GOOGLE_APP_PASSWORD",
    group: "Google",
    description: "Google app password.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "GMAIL_IMAP_URL",
    group: "Google",
    description: "IMAP server of the Gmail nodes (default imaps://imap.gmail.com:993; imap://host:port for a local bridge or a test server).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "ELEVENLABS_API_KEY",
    group: "ElevenLabs",
    description: "ElevenLabs API key (text to speech).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "FAL_API_KEY",
    group: "FAL",
    description: "FAL API key (FAL.ai serverless AI).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "FAL_QUEUE_URL",
    group: "FAL",
    description: "Base URL of fal.ai's queue API (default https://queue.fal.run; a proxy or a test server).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "SERPAPI_API_KEY",
    group: "SerpAPI",
    description: "SerpAPI API key.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "SERPAPI_BASE_URL",
    group: "SerpAPI",
    description: "Base URL of the SerpAPI service for the google_search tool (default https://serpapi.com; a proxy or a test server).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "BRAVE_API_KEY",
    group: "Brave Search",
    description: "Brave Search API key, for the brave_search agent tool.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "BRAVE_SEARCH_BASE_URL",
    group: "Brave Search",
    description: "Base URL of the Brave Search API (default https://api.search.brave.com; a proxy or a test server).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_HTTP_ALLOW_PRIVATE",
    group: "HTTP",
    description: "Set to 1 to let HTTP nodes and the http_get tool reach loopback, private and link-local addresses (refused by default).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "BROWSER_URL",
    group: "Browser",
    description: "URL of a browser instance.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "RUNPOD_API_KEY",
    group: "RunPod",
    description: "RunPod API key (serverless endpoints).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "RUNPOD_COMFYUI_ENDPOINT_ID",
    group: "RunPod",
    description: "RunPod serverless endpoint ID of the ComfyUI worker.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "NODE_SUPABASE_KEY",
    group: "NodeSupabase",
    description: "Supabase service key for user-provided nodes (separate from SUPABASE_KEY).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "DATA_FOR_SEO_LOGIN",
    group: "DataForSEO",
    description: "DataForSEO login.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "DATA_FOR_SEO_PASSWORD",
    group: "DataForSEO",
    description: "DataForSEO password.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "KIE_API_KEY",
    group: "KIE",
    description: "KIE API key (kie.ai).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "KIE_BASE_URL",
    group: "KIE",
    description: "Base URL of the Kie.ai API (default https://api.kie.ai; a proxy or a test server).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "WORKER_AUTH_TOKEN",
    group: "Deployment",
    description: "Token securing a deployed worker: every endpoint but /health and /ping then needs `Authorization: Bearer TOKEN`.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "ENV",
    group: "System",
    description: "The environment: development, test or production.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "AUTH_PROVIDER",
    group: "Deployment",
    description: "Authentication: none, local, static or supabase.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_API_URL",
    group: "Deployment",
    description: "URL of the NodeTool API server.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "WORKER_ID",
    group: "Deployment",
    description: "Identifier of this worker.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "JOB_EXECUTION_STRATEGY",
    group: "Deployment",
    description: "How jobs run: threaded, subprocess or docker.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_ENABLE_TERMINAL_WS",
    group: "Deployment",
    description: "Whether the terminal WebSocket is enabled (never in production).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "DB_PATH",
    group: "Database",
    description: "Path of the SQLite database.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "POSTGRES_DB",
    group: "Database",
    description: "PostgreSQL database name (PostgreSQL is used when set).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "POSTGRES_USER",
    group: "Database",
    description: "PostgreSQL user.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "POSTGRES_PASSWORD",
    group: "Database",
    description: "PostgreSQL password.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "POSTGRES_HOST",
    group: "Database",
    description: "PostgreSQL host.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "POSTGRES_PORT",
    group: "Database",
    description: "PostgreSQL port.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "SUPABASE_URL",
    group: "Database",
    description: "Supabase project URL.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "SUPABASE_KEY",
    group: "Database",
    description: "Supabase service key.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "SUPABASE_POSTGRES_URL",
    group: "Database",
    description: "Supabase PostgreSQL connection URL.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "SECRETS_MASTER_KEY",
    group: "Security",
    description: "Master key that encrypts stored secrets (else from AWS Secrets Manager or the system keychain).",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "AWS_SECRETS_MASTER_KEY_NAME",
    group: "Security",
    description: "Name of the AWS Secrets Manager secret that holds the master key.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "ASSET_BUCKET",
    group: "Storage",
    description: "Bucket (or folder) where assets are stored.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "ASSET_DOMAIN",
    group: "Storage",
    description: "Public domain serving the asset bucket.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "ASSET_TEMP_BUCKET",
    group: "Storage",
    description: "Bucket for temporary assets.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "ASSET_TEMP_DOMAIN",
    group: "Storage",
    description: "Public domain serving the temporary bucket.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "S3_ENDPOINT_URL",
    group: "Storage",
    description: "Endpoint of an S3-compatible storage server.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "S3_ACCESS_KEY_ID",
    group: "Storage",
    description: "S3 access key id.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "S3_SECRET_ACCESS_KEY",
    group: "Storage",
    description: "S3 secret access key.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "S3_REGION",
    group: "Storage",
    description: "S3 region.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "AWS_REGION",
    group: "Storage",
    description: "AWS region of AWS services.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "CHROMA_URL",
    group: "Vector Database",
    description: "URL of a ChromaDB server (the local folder CHROMA_PATH when unset).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "CHROMA_TOKEN",
    group: "Vector Database",
    description: "ChromaDB server token.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "MEMCACHE_HOST",
    group: "Services",
    description: "Memcache host.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "MEMCACHE_PORT",
    group: "Services",
    description: "Memcache port.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "SENTRY_DSN",
    group: "Services",
    description: "Sentry DSN for error reporting.",
    is_secret: true,
}

register_setting! {
    package: "nodetool",
    env_var: "FFMPEG_PATH",
    group: "System Tools",
    description: "Path of the ffmpeg binary.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "FFPROBE_PATH",
    group: "System Tools",
    description: "Path of the ffprobe binary.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "LOG_LEVEL",
    group: "Logging",
    description: "Log level: DEBUG, INFO, WARNING or ERROR.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "DEBUG",
    group: "Logging",
    description: "Debug mode (DEBUG logging when LOG_LEVEL is unset).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_LOG_LEVEL",
    group: "Logging",
    description: "Log level when neither LOG_LEVEL nor DEBUG is set.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "DEFAULT_CHAT_MODEL",
    group: "Chat",
    description: "Model the chat uses when none is chosen.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "DEFAULT_CHAT_PROVIDER",
    group: "Chat",
    description: "Provider the chat uses when none is chosen.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NATS_URL",
    group: "Jobs",
    description: "NATS server with JetStream (e.g. nats://127.0.0.1:4222): servers queue jobs there and `nodetool worker` processes run them; unset, jobs run in the server process.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_JOB_ACK_WAIT",
    group: "Jobs",
    description: "Seconds a worker may go without a heartbeat before its job is delivered to another worker (default 30).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_JOB_MAX_DELIVER",
    group: "Jobs",
    description: "How many times a job is delivered before it is recorded failed (default 3).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_JOB_EVENTS_MAX_AGE",
    group: "Jobs",
    description: "Seconds a job's messages are kept in NATS for clients that connect late (default 3600).",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_JOB_HEARTBEAT_SECONDS",
    group: "Jobs",
    description: "How often a server records that its in-process jobs still run (default 30); a job silent for four intervals is stale.",
    is_secret: false,
}

register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_AUTO_RECOVER_JOBS",
    group: "Jobs",
    description: "Set to 1 to run again the in-process jobs whose server stopped (instead of recording them failed).",
    is_secret: false,
}
