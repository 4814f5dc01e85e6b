FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY . .
RUN pip install --no-cache-dir -c constraints.txt -e ".[s3]"
EXPOSE 8000
