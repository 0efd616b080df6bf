"""The bare stack the acknowledgement benchmark compares with: FastAPI answering 200 to a
POST after reading its body, under the same uvicorn and worker count."""

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhooks/shopify")
async def receive(request: Request) -> dict[str, str]:
    await request.body()
    return {"status": "accepted"}
